import { STATE_ICON, STATE_LABEL, TASK_STATES, type TaskState } from "@/lib/tasks/states";

/**
 * Each state by icon, word and colour together, so none carries the meaning alone. Colours
 * are -700 on light and -300 on dark surfaces: both pass 4.5:1 contrast.
 */
const TONE: Record<TaskState, string> = {
  blocked: "text-slate-700 dark:text-slate-300",
  waiting: "text-fuchsia-700 dark:text-fuchsia-300",
  queued: "text-blue-700 dark:text-blue-300",
  running: "text-amber-800 dark:text-amber-300",
  succeeded: "text-emerald-700 dark:text-emerald-300",
  failed: "text-red-700 dark:text-red-300",
  cancelled: "text-zinc-700 dark:text-zinc-300",
};

export const STATE_LOOK = Object.fromEntries(
  TASK_STATES.map((state) => [
    state,
    { icon: STATE_ICON[state], label: STATE_LABEL[state], tone: TONE[state] },
  ]),
) as Record<TaskState, { icon: string; label: string; tone: string }>;

export function StateBadge({ state, className = "" }: { state: TaskState; className?: string }) {
  const look = STATE_LOOK[state];
  return (
    <span className={`inline-flex items-center gap-1 font-medium ${look.tone} ${className}`}>
      <span aria-hidden="true">{look.icon}</span>
      {look.label}
    </span>
  );
}
