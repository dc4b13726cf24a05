import { RUN_STATE_LOOK, type WorkflowState } from "@/lib/runs/states";

/** A run's state by icon, word and colour together, so none carries the meaning alone. */
export function RunStateBadge({
  state,
  className = "",
}: {
  state: WorkflowState;
  className?: string;
}) {
  const look = RUN_STATE_LOOK[state];
  return (
    <span
      data-testid="run-state"
      data-state={state}
      className={`inline-flex items-center gap-1 font-medium ${look.tone} ${className}`}
    >
      <span aria-hidden="true">{look.icon}</span>
      {look.label}
    </span>
  );
}
