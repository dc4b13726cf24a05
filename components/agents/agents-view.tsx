"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { AgentsGuide } from "@/components/guide/agents-guide";
import {
  type AgentItem,
  ATTEMPT_ENDED,
  applyAgentStatuses,
  removeEndedTasks,
  type TaskList,
} from "@/lib/agents/agent-cache";
import { usePermissions } from "@/lib/auth/role";
import { useThrottledCallback } from "@/lib/hooks/use-throttled-callback";
import { useLiveEvents } from "@/lib/live/live-events";
import { useTRPC } from "@/lib/trpc/client";
import { AgentCard } from "./agent-card";

/** Running tasks fetched for the page; more than this many are summarised by a count. */
const RUNNING_LIMIT = 500;
/** Heartbeats write no events, so the list is refetched this often to keep their ages true. */
const HEARTBEAT_REFRESH_MS = 10_000;

/**
 * Every agent with its status, capabilities, usage, heartbeat age and running tasks. Status
 * changes and ended tasks come from events and are applied in place; usage and newly started
 * tasks (whose events carry no name or amounts) are refetched, at most once a second.
 */
export function AgentsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { operate } = usePermissions();
  const runningInput = { state: "running" as const, limit: RUNNING_LIMIT };
  const agents = useQuery({
    ...trpc.agents.list.queryOptions(),
    refetchInterval: HEARTBEAT_REFRESH_MS,
  });
  const running = useQuery(trpc.tasks.list.queryOptions(runningInput));

  const refetch = useThrottledCallback(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.agents.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.tasks.list.queryKey(runningInput) });
  }, 1_000);

  useLiveEvents((events) => {
    queryClient.setQueryData(trpc.agents.list.queryKey(), (list) =>
      applyAgentStatuses(list, events),
    );
    queryClient.setQueryData(trpc.tasks.list.queryKey(runningInput), (list) =>
      removeEndedTasks(list, events),
    );
    const needsRefetch = events.some(
      (e) =>
        e.kind === "agent.registered" ||
        e.kind === "agent.quarantined" ||
        e.kind === "agent.released" ||
        e.kind === "task.started" ||
        (ATTEMPT_ENDED.has(e.kind) && e.agentId !== null),
    );
    if (needsRefetch) refetch();
  });

  const runningByAgent = useMemo(() => groupByAgent(running.data), [running.data]);
  const ordered = useMemo(() => byStatus(agents.data ?? []), [agents.data]);

  if (agents.isPending) return <p className="text-ink-muted">Loading agents…</p>;
  if (agents.isError) {
    return (
      <p role="alert" className="text-danger">
        Could not load agents: {agents.error.message}
      </p>
    );
  }
  if (agents.data.length === 0) {
    return <AgentsGuide />;
  }
  return (
    <div className="flex flex-col gap-3">
      {running.data?.nextCursor && (
        <p className="text-sm text-ink-muted">
          Showing the newest {RUNNING_LIMIT} running tasks only.
        </p>
      )}
      <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        {ordered.map((agent) => (
          <li key={agent.id}>
            <AgentCard
              agent={agent}
              // Measured by the database when the list was fetched; it ages from there.
              lastHeartbeatAt={agents.dataUpdatedAt - agent.heartbeatAgeS * 1000}
              running={runningByAgent.get(agent.id) ?? []}
              operate={operate}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

const STATUS_ORDER: Record<AgentItem["status"], number> = { online: 0, draining: 1, offline: 2 };

/** Working agents first: offline ones pile up over time and matter least. Stable by name. */
function byStatus(agents: AgentItem[]): AgentItem[] {
  return [...agents].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

function groupByAgent(list: TaskList | undefined): Map<string, TaskList["items"]> {
  const byAgent = new Map<string, TaskList["items"]>();
  for (const task of list?.items ?? []) {
    if (!task.agentId) continue;
    byAgent.set(task.agentId, [...(byAgent.get(task.agentId) ?? []), task]);
  }
  return byAgent;
}
