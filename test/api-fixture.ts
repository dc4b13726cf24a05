import { type Role, roles } from "@/server/auth/roles";
import { createToken } from "@/server/auth/tokens";
import { closeEventHub, createEventHub, type EventHub } from "@/server/events/hub";
import { createEventFeed, type EventFeed, provideEventFeed } from "@/server/events/stream";
import type { TestDatabase } from "./db";
import { callProcedure } from "./trpc-http";

export interface ApiFixture {
  /** A bearer token per role. */
  tokens: Record<Role, string>;
  /** An agent registered with `tokens.agent`, holding `taskId` under lease `leaseEpoch`. */
  agentId: string;
  taskId: string;
  leaseEpoch: number;
  close(): Promise<void>;
}

/**
 * Tokens of every role and a running task held by an agent, made over the API, plus the event
 * feed `events.stream` reads (the process hub would listen on DATABASE_URL instead).
 */
export async function createApiFixture(pg: TestDatabase): Promise<ApiFixture> {
  // A long-polling agents.claim waits on the process hub (getEventHub), which listens on
  // DATABASE_URL: without it, a claim with waitMs > 0 that finds nothing answered 500.
  process.env.DATABASE_URL = pg.url;
  const hub: EventHub = createEventHub(pg.url);
  const feed: EventFeed = createEventFeed({ db: pg.db, hub });
  provideEventFeed(pg.db, feed);
  const tokens = {} as Record<Role, string>;
  for (const role of roles) {
    tokens[role] = (await createToken(pg.db, { name: `${role} token`, role })).secret;
  }
  const agent = await callProcedure<{ id: string }>(pg.db, {
    path: "agents.register",
    type: "mutation",
    token: tokens.agent,
    input: { name: "fixture agent", capabilities: [], capacity: {} },
  });
  const submitted = await callProcedure<{ task: { id: string } }>(pg.db, {
    path: "tasks.submit",
    type: "mutation",
    token: tokens.orchestrator,
    input: { name: "held under lease" },
  });
  const claimed = await callProcedure<{ tasks: { id: string; leaseEpoch: number }[] }>(pg.db, {
    path: "agents.claim",
    type: "mutation",
    token: tokens.agent,
    input: { agentId: agent.data.id, max: 1 },
  });
  const task = claimed.data.tasks[0];
  if (!task || task.id !== submitted.data.task.id) throw new Error("the fixture's claim failed");
  return {
    tokens,
    agentId: agent.data.id,
    taskId: task.id,
    leaseEpoch: task.leaseEpoch,
    async close() {
      feed.close();
      await hub.close();
      await closeEventHub();
    },
  };
}
