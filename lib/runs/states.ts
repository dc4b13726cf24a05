import type { WorkflowState } from "@/server/workflows/state";

export type { WorkflowState };

/** The runs list's state filter offers them in this order. */
export const WORKFLOW_STATES = [
  "running",
  "paused",
  "succeeded",
  "failed",
  "cancelled",
] as const satisfies readonly WorkflowState[];

/**
 * A run's state by glyph, word and colour together, the one place that defines them (the runs
 * list and the run page use it). The glyphs match the task states' (lib/tasks/states.ts) where
 * the meaning is the same; `paused` has its own. Colours are -700 on light and -300 on dark
 * surfaces: both pass 4.5:1 contrast.
 */
export const RUN_STATE_LOOK: Record<WorkflowState, { icon: string; label: string; tone: string }> =
  {
    running: { icon: "▶", label: "Running", tone: "text-amber-800 dark:text-amber-300" },
    paused: { icon: "⏸", label: "Paused", tone: "text-violet-700 dark:text-violet-300" },
    succeeded: { icon: "✓", label: "Succeeded", tone: "text-emerald-700 dark:text-emerald-300" },
    failed: { icon: "✕", label: "Failed", tone: "text-red-700 dark:text-red-300" },
    cancelled: { icon: "⊘", label: "Cancelled", tone: "text-zinc-700 dark:text-zinc-300" },
  };

export function isWorkflowState(value: string): value is WorkflowState {
  return (WORKFLOW_STATES as readonly string[]).includes(value);
}
