import { STATE_ICON, type TaskState } from "@/lib/tasks/states";

export interface StatusLook {
  /** A glyph that differs by shape, not only by colour. */
  icon: string;
  label: string;
  /** Text colour on the wall's dark surface (contrast ≥ 4.5:1). */
  text: string;
  /** SVG fill and stroke for graph nodes. */
  fill: string;
  stroke: string;
}

/**
 * How each task state looks on the wall: colour, icon and word together, so no state is told
 * apart by colour alone (colour-blind safe). Legends list states in TASK_STATES's order.
 */
export const TASK_STATUS: Record<TaskState, StatusLook> = {
  running: {
    icon: STATE_ICON.running,
    label: "running",
    text: "text-sky-300",
    fill: "#0c4a6e",
    stroke: "#7dd3fc",
  },
  queued: {
    icon: STATE_ICON.queued,
    label: "queued",
    text: "text-violet-300",
    fill: "#2e1065",
    stroke: "#c4b5fd",
  },
  waiting: {
    icon: STATE_ICON.waiting,
    label: "waiting",
    text: "text-fuchsia-300",
    fill: "#4a044e",
    stroke: "#f0abfc",
  },
  blocked: {
    icon: STATE_ICON.blocked,
    label: "blocked",
    text: "text-slate-300",
    fill: "#1e293b",
    stroke: "#94a3b8",
  },
  succeeded: {
    icon: STATE_ICON.succeeded,
    label: "succeeded",
    text: "text-emerald-300",
    fill: "#064e3b",
    stroke: "#6ee7b7",
  },
  failed: {
    icon: STATE_ICON.failed,
    label: "failed",
    text: "text-red-300",
    fill: "#7f1d1d",
    stroke: "#fca5a5",
  },
  cancelled: {
    icon: STATE_ICON.cancelled,
    label: "cancelled",
    text: "text-zinc-400",
    fill: "#27272a",
    stroke: "#a1a1aa",
  },
};
