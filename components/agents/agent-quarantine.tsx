"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { AgentItem } from "@/lib/agents/agent-cache";
import { useTRPC } from "@/lib/trpc/client";

const BUTTON =
  "rounded border border-ink-muted/40 px-2 py-1 text-sm hover:bg-ink/5 disabled:opacity-60";

/**
 * A quarantined agent's state (server/agents/quarantine.ts): until when it claims nothing and
 * why, and for operators a Release button. The server refuses the release to anyone else.
 */
export function AgentQuarantine({ agent, operate }: { agent: AgentItem; operate: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const release = useMutation(
    trpc.agents.release.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.agents.list.queryKey() }),
    }),
  );
  const until = agent.quarantinedUntil ? new Date(agent.quarantinedUntil) : null;
  return (
    <div className="flex flex-col items-start gap-1">
      <p>
        Claims nothing until{" "}
        {until && (
          <time dateTime={until.toISOString()} title={until.toISOString()}>
            {until.toLocaleTimeString()}
          </time>
        )}{" "}
        ({agent.failureStreak} failed attempts in a row)
      </p>
      {agent.quarantineReason && (
        <p className="text-ink-muted" data-testid="agent-quarantine-reason">
          {agent.quarantineReason}
        </p>
      )}
      {operate && (
        <button
          type="button"
          className={BUTTON}
          disabled={release.isPending}
          aria-label={`Release ${agent.name}`}
          onClick={() => release.mutate({ agentId: agent.id })}
        >
          Release
        </button>
      )}
      {release.error && (
        <p role="alert" className="text-sm text-danger">
          {release.error.message}
        </p>
      )}
    </div>
  );
}
