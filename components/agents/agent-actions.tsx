"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { AgentItem } from "@/lib/agents/agent-cache";
import { useTRPC } from "@/lib/trpc/client";

const BUTTON =
  "rounded border border-ink-muted/40 px-2 py-1 text-sm hover:bg-ink/5 disabled:opacity-60";

/**
 * Drain (finish what it holds, claim nothing new) or resume, for operators. An offline agent
 * offers neither: the server refuses both until its heartbeat is back.
 */
export function AgentActions({ agent }: { agent: AgentItem }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = (updated: { id: string; status: AgentItem["status"] }) => {
    queryClient.setQueryData(trpc.agents.list.queryKey(), (agents) =>
      agents?.map((a) => (a.id === updated.id ? { ...a, status: updated.status } : a)),
    );
  };
  const drain = useMutation(trpc.agents.drain.mutationOptions({ onSuccess }));
  const resume = useMutation(trpc.agents.resume.mutationOptions({ onSuccess }));
  const error = drain.error ?? resume.error;
  const busy = drain.isPending || resume.isPending;
  if (agent.status === "offline") return null;
  return (
    <div className="flex flex-col items-start gap-1">
      {agent.status === "online" ? (
        <button
          type="button"
          className={BUTTON}
          disabled={busy}
          aria-label={`Drain ${agent.name}`}
          onClick={() => drain.mutate({ agentId: agent.id })}
        >
          Drain
        </button>
      ) : (
        <button
          type="button"
          className={BUTTON}
          disabled={busy}
          aria-label={`Resume ${agent.name}`}
          onClick={() => resume.mutate({ agentId: agent.id })}
        >
          Resume
        </button>
      )}
      {error && (
        <p role="alert" className="text-sm text-danger">
          {error.message}
        </p>
      )}
    </div>
  );
}
