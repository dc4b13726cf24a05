import { AgeSince } from "@/components/time/age-since";
import type { AlertItem } from "@/lib/alerts/alert-cache";
import { AlertActions } from "./alert-actions";
import { AlertStateBadge, SeverityBadge } from "./alert-badges";
import { AlertSubject } from "./alert-subject";

const RULE_LABELS: Record<AlertItem["rule"], string> = {
  task_duration: "Task duration",
  resource_usage: "Resource usage",
  dependency_wait: "Dependency wait",
  failure_rate: "Failure rate",
  agent_offline: "Agent offline",
  agent_quarantined: "Agent quarantined",
  task_stalled: "Task stalled",
  wait_timeout: "Wait timeout",
};

/**
 * One row per alert. `onChanged` is given to operators only: without it there are no
 * acknowledge or resolve controls at all (the server refuses viewers anyway).
 */
export function AlertsTable({
  alerts,
  caption,
  onChanged,
}: {
  alerts: AlertItem[];
  caption: string;
  onChanged: ((alert: AlertItem) => void) | null;
}) {
  return (
    <table className="w-full border-collapse text-left text-sm" data-testid="alerts-table">
      <caption className="sr-only">{caption}</caption>
      <thead className="border-b border-ink-muted/30 text-ink-muted">
        <tr>
          <th scope="col" className="py-2 pr-3">
            State
          </th>
          <th scope="col" className="py-2 pr-3">
            Severity
          </th>
          <th scope="col" className="py-2 pr-3">
            Rule
          </th>
          <th scope="col" className="py-2 pr-3">
            Subject
          </th>
          <th scope="col" className="py-2 pr-3">
            Message
          </th>
          <th scope="col" className="py-2 pr-3">
            Age
          </th>
          {onChanged && (
            <th scope="col" className="py-2">
              Actions
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr
            key={alert.id}
            data-testid="alert-row"
            data-alert-id={alert.id}
            data-subject={alert.subject}
            className="border-b border-ink-muted/15 align-top"
          >
            <td className="py-2 pr-3">
              <AlertStateBadge alert={alert} />
              {alert.acknowledgedAt && alert.state === "firing" && (
                <div className="text-xs text-ink-muted">
                  <AgeSince at={alert.acknowledgedAt} /> ago
                </div>
              )}
            </td>
            <td className="py-2 pr-3">
              <SeverityBadge severity={alert.severity} />
            </td>
            <td className="py-2 pr-3">{RULE_LABELS[alert.rule] ?? alert.rule}</td>
            <td className="py-2 pr-3">
              <AlertSubject subject={alert.subject} />
            </td>
            <td className="py-2 pr-3">{alert.message}</td>
            <td className="py-2 pr-3 whitespace-nowrap">
              <AgeSince at={alert.openedAt} title={`opened ${alert.openedAt}`} />
            </td>
            {onChanged && (
              <td className="py-2">
                <AlertActions alert={alert} onChanged={onChanged} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
