"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "@/lib/trpc/client";

/** Agent names by id, from `agents.list` (the board refreshes it when an agent registers). */
export function useAgentNames(): Map<string, string> {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.agents.list.queryOptions());
  return useMemo(() => new Map((data ?? []).map((agent) => [agent.id, agent.name])), [data]);
}

/** The agent's name if known, else the first 8 characters of its id. */
export function agentLabel(names: Map<string, string>, agentId: string): string {
  return names.get(agentId) ?? agentId.slice(0, 8);
}
