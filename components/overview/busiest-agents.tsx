import Link from "next/link";
import type { OverviewResult } from "./types";

/** The agents with the most claims and ends over the range; each links to its tasks. */
export function BusiestAgents({ agents }: { agents: OverviewResult["agents"] }) {
  if (agents.length === 0) {
    return <p className="text-sm text-ink-muted">No agent claimed a task in this range.</p>;
  }
  return (
    <table className="w-full text-sm" data-testid="busiest-agents">
      <thead className="text-left text-ink-muted">
        <tr>
          <th scope="col" className="py-1 font-medium">
            Agent
          </th>
          <th scope="col" className="py-1 text-right font-medium">
            Started
          </th>
          <th scope="col" className="py-1 text-right font-medium">
            Finished
          </th>
          <th scope="col" className="py-1 text-right font-medium">
            Running now
          </th>
        </tr>
      </thead>
      <tbody>
        {agents.map((agent) => (
          <tr key={agent.id} className="border-t border-ink-muted/10">
            <td className="py-1 break-all">
              <Link href={`/?agent=${agent.id}`} className="text-accent underline">
                {agent.name ?? agent.id}
              </Link>
              {agent.status && agent.status !== "online" ? (
                <span className="ml-2 text-xs text-ink-muted">{agent.status}</span>
              ) : null}
            </td>
            <td className="py-1 text-right tabular-nums">{agent.started}</td>
            <td className="py-1 text-right tabular-nums">{agent.finished}</td>
            <td className="py-1 text-right tabular-nums">{agent.running}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
