import type { WorkflowState } from "@/server/workflows/state";

/** Each run state by icon, word and colour together, so none carries the meaning alone. */
const LOOK: Record<WorkflowState, { icon: string; label: string; tone: string }> = {
  running: { icon: "▶", label: "Running", tone: "text-amber-800 dark:text-amber-300" },
  paused: { icon: "⏸", label: "Paused", tone: "text-blue-700 dark:text-blue-300" },
  succeeded: { icon: "✓", label: "Succeeded", tone: "text-emerald-700 dark:text-emerald-300" },
  failed: { icon: "✕", label: "Failed", tone: "text-red-700 dark:text-red-300" },
  cancelled: { icon: "⊘", label: "Cancelled", tone: "text-zinc-700 dark:text-zinc-300" },
};

export function RunStateBadge({ state }: { state: WorkflowState }) {
  const look = LOOK[state];
  return (
    <span
      className={`inline-flex items-center gap-1 font-medium ${look.tone}`}
      data-testid="run-state"
      data-state={state}
    >
      <span aria-hidden="true">{look.icon}</span>
      {look.label}
    </span>
  );
}
