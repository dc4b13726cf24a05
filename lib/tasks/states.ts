import type { TaskState } from "@/sdk";

export type { TaskState };

/** The order a task moves through: board columns, legends and counts list states this way. */
export const TASK_STATES = [
  "blocked",
  "waiting",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
] as const satisfies readonly TaskState[];

/**
 * One glyph per state, the same on every page, each a different shape so that colour never
 * carries the meaning alone (colour-blind safe). Glyphs every common font has.
 */
export const STATE_ICON: Record<TaskState, string> = {
  blocked: "‖",
  waiting: "◇",
  queued: "◷",
  running: "▶",
  succeeded: "✓",
  failed: "✕",
  cancelled: "⊘",
};

export const STATE_LABEL: Record<TaskState, string> = {
  blocked: "Blocked",
  waiting: "Waiting",
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};
