import type { TaskState } from "@/lib/tasks/states";
import type { TimelineTaskInput } from "@/lib/timeline/layout";

export type RunTaskInput = TimelineTaskInput & {
  state: TaskState;
  type: string;
  agentName: string | null;
};

export interface RunTaskRow {
  id: string;
  state: TaskState;
  name: string;
  type: string;
  agent: string | null;
  attempts: number;
  /** Seconds spent queued over all attempts (and still waiting, up to now); null if never. */
  waitS: number | null;
  /** Seconds of the latest attempt, to its end or now; null if never claimed. */
  durationS: number | null;
}

export type RunTaskSort = Exclude<keyof RunTaskRow, "id">;

const COLLATOR = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** The Tasks table's rows: measured, filtered by state and by a name fragment, sorted. */
export function runTaskRows(
  tasks: readonly RunTaskInput[],
  nowMs: number,
  options: { sort: RunTaskSort; desc: boolean; state: string; text: string },
): RunTaskRow[] {
  const needle = options.text.trim().toLowerCase();
  const rows = tasks
    .filter((task) => options.state === "" || task.state === options.state)
    .filter((task) => needle === "" || task.name.toLowerCase().includes(needle))
    .map((task) => measure(task, nowMs));
  const direction = options.desc ? -1 : 1;
  return rows.sort((a, b) => direction * compare(a[options.sort], b[options.sort]));
}

function measure(task: RunTaskInput, nowMs: number): RunTaskRow {
  let wait: number | null = null;
  for (const attempt of task.attempts) {
    if (attempt.queuedAt === null) continue;
    wait = (wait ?? 0) + Math.max(0, Date.parse(attempt.claimedAt) - Date.parse(attempt.queuedAt));
  }
  if (task.queuedAt !== null) wait = (wait ?? 0) + Math.max(0, nowMs - Date.parse(task.queuedAt));
  const last = task.attempts.at(-1);
  const duration = last
    ? (last.endedAt === null ? nowMs : Date.parse(last.endedAt)) - Date.parse(last.claimedAt)
    : null;
  return {
    id: task.id,
    state: task.state,
    name: task.name,
    type: task.type,
    agent: task.agentName,
    attempts: task.attempts.length,
    waitS: wait === null ? null : wait / 1000,
    durationS: duration === null ? null : Math.max(0, duration) / 1000,
  };
}

/** Nulls (never waited, never ran, no agent) last in either direction would need two rules; first is enough. */
function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return COLLATOR.compare(String(a), String(b));
}
