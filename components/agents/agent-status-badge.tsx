import type { AgentItem } from "@/lib/agents/agent-cache";

const STATUS = {
  online: { icon: "●", label: "Online", tone: "text-emerald-700 dark:text-emerald-400" },
  draining: { icon: "◐", label: "Draining", tone: "text-amber-700 dark:text-amber-400" },
  offline: { icon: "○", label: "Offline", tone: "text-red-700 dark:text-red-400" },
} as const;

/** An agent's status by icon, colour and word together. */
export function AgentStatusBadge({ status }: { status: AgentItem["status"] }) {
  const { icon, label, tone } = STATUS[status];
  return (
    <span
      className={`inline-flex items-center gap-1 font-medium ${tone}`}
      data-testid="agent-status"
      data-status={status}
    >
      <span aria-hidden="true">{icon}</span>
      {label}
    </span>
  );
}
