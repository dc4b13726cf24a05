import type { RuleGuide } from "@/server/monitor/rule-guide";
import { EmptyState } from "./empty-state";

/** The alerts page with no alert: which rules are watching, and what would open each. */
export function AlertsGuide({ rules, filter }: { rules: RuleGuide[]; filter: "firing" | "all" }) {
  return (
    <EmptyState
      id="alerts"
      title={filter === "firing" ? "No open alerts" : "No alert has ever opened"}
    >
      <p className="text-sm">
        These rules are checked as work changes and at least every monitoring interval; each opens
        an alert here (and a toast on every page) when:
      </p>
      <table className="w-full border-collapse text-left text-sm" data-testid="alert-rules">
        <caption className="sr-only">Alert rules and their thresholds</caption>
        <thead className="border-b border-ink-muted/30 text-ink-muted">
          <tr>
            <th scope="col" className="py-1 pr-3">
              Rule
            </th>
            <th scope="col" className="py-1 pr-3">
              Opens for
            </th>
            <th scope="col" className="py-1">
              Set by
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.rule} className="border-b border-ink-muted/10 align-top">
              <th scope="row" className="py-1 pr-3 font-mono font-normal">
                {rule.rule}
              </th>
              <td className="py-1 pr-3">{rule.trips}</td>
              <td className="py-1 font-mono text-xs text-ink-muted">{rule.setting ?? "fixed"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="text-sm text-ink-muted">
        Thresholds come from <code>task-manager.yaml</code> or the environment variables named. The
        demo (<code>npm start -- --demo</code>) keeps the <code>gpu</code> pool full, which opens a
        resource_usage alert; with <code>TM_ALERT_TASK_DURATION=45</code> its long training runs
        open task_duration alerts too.
      </p>
    </EmptyState>
  );
}
