/**
 * The task states, defined once for the database enum (db/schema/tasks.ts), the server, the SDK
 * and the pages. No imports: the browser bundle and drizzle-kit both load this file.
 */

/** The order a task moves through: board columns, legends and counts list states this way. */
export const TASK_STATES = [
  "blocked",
  "waiting",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
] as const;

export type TaskState = (typeof TASK_STATES)[number];

/** Finished: a task leaves these only when an operator retries it. */
export const TERMINAL_STATES: readonly TaskState[] = ["succeeded", "failed", "cancelled"];

export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.includes(state);
}

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
