import Link from "next/link";
import { AgeSince } from "@/components/time/age-since";
import type { AgentItem, TaskList } from "@/lib/agents/agent-cache";
import { AgentActions } from "./agent-actions";
import { AgentQuarantine } from "./agent-quarantine";
import { AgentStatusBadge } from "./agent-status-badge";

type RunningTask = TaskList["items"][number];

/** One agent: who it is, what it may run, how full it is, whether it is alive, what it runs. */
export function AgentCard({
  agent,
  lastHeartbeatAt,
  running,
  operate,
}: {
  agent: AgentItem;
  /** Epoch ms, in this browser's clock. */
  lastHeartbeatAt: number;
  running: RunningTask[];
  operate: boolean;
}) {
  const headingId = `agent-${agent.id}`;
  const capacity = Object.entries(agent.capacity);
  return (
    <article
      aria-labelledby={headingId}
      data-testid="agent-card"
      data-agent-id={agent.id}
      className="flex flex-col gap-3 rounded border border-ink-muted/30 bg-surface-raised p-4"
    >
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id={headingId} className="text-lg font-semibold break-all">
            {agent.name}
          </h2>
          <AgentStatusBadge status={agent.status} />
          {agent.quarantined && (
            <span className="ml-2 font-medium text-red-700 dark:text-red-400">
              <span aria-hidden="true">⊘ </span>Quarantined
            </span>
          )}
        </div>
        {operate && <AgentActions agent={agent} />}
      </header>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-ink-muted">Heartbeat</dt>
        <dd data-testid="agent-heartbeat">
          <AgeSince at={lastHeartbeatAt} /> ago
        </dd>
        {agent.quarantined && (
          <>
            <dt className="text-ink-muted">Quarantine</dt>
            <dd data-testid="agent-quarantine">
              <AgentQuarantine agent={agent} operate={operate} />
            </dd>
          </>
        )}
        <dt className="text-ink-muted">Capabilities</dt>
        <dd>
          {agent.capabilities.length === 0 ? (
            <span className="text-ink-muted">any task without requirements</span>
          ) : (
            <ul className="flex flex-wrap gap-1" aria-label="Capabilities">
              {agent.capabilities.map((capability) => (
                <li key={capability} className="rounded bg-ink/5 px-1.5 py-0.5 font-mono text-xs">
                  {capability}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt className="text-ink-muted">Usage</dt>
        <dd data-testid="agent-usage">
          {capacity.length === 0 ? (
            <span className="text-ink-muted">declares no resources</span>
          ) : (
            <ul className="flex flex-col gap-0.5">
              {capacity.map(([resource, amount]) => (
                <li key={resource} data-resource={resource}>
                  <span className="font-mono">{resource}</span> {agent.used[resource] ?? 0} of{" "}
                  {amount} in use
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt className="text-ink-muted">Running</dt>
        <dd data-testid="agent-running">
          {running.length === 0 ? (
            <span className="text-ink-muted">no tasks</span>
          ) : (
            <ul className="flex flex-col gap-0.5">
              {running.map((task) => (
                <li key={task.id}>
                  <Link href={`/tasks/${task.id}`} className="text-accent underline break-all">
                    {task.name}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </article>
  );
}
