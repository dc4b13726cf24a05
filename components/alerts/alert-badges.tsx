import type { AlertItem } from "@/lib/alerts/alert-cache";

const STATE = {
  firing: { icon: "▲", label: "Firing", tone: "text-red-700 dark:text-red-400" },
  acknowledged: { icon: "◆", label: "Acknowledged", tone: "text-amber-700 dark:text-amber-400" },
  resolved: { icon: "✓", label: "Resolved", tone: "text-emerald-700 dark:text-emerald-400" },
} as const;

const SEVERITY = {
  critical: { icon: "⬣", label: "Critical", tone: "text-red-700 dark:text-red-400" },
  warning: { icon: "!", label: "Warning", tone: "text-amber-700 dark:text-amber-400" },
} as const;

/** Firing, acknowledged (still firing, someone is on it) or resolved: icon, colour and word. */
export function AlertStateBadge({ alert }: { alert: Pick<AlertItem, "state" | "acknowledgedAt"> }) {
  const key =
    alert.state === "resolved" ? "resolved" : alert.acknowledgedAt ? "acknowledged" : "firing";
  const { icon, label, tone } = STATE[key];
  return (
    <span className={`inline-flex items-center gap-1 font-medium ${tone}`} data-state={key}>
      <span aria-hidden="true">{icon}</span>
      {label}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: AlertItem["severity"] }) {
  const { icon, label, tone } = SEVERITY[severity];
  return (
    <span className={`inline-flex items-center gap-1 font-medium ${tone}`}>
      <span aria-hidden="true">{icon}</span>
      {label}
    </span>
  );
}
