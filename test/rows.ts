import { randomUUID } from "node:crypto";
import type { PgInsertValue } from "drizzle-orm/pg-core";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { tasks } from "@/db/schema/tasks";

// PgInsertValue, not $inferInsert: it also takes SQL, e.g. a time relative to now().
export type TaskInsert = PgInsertValue<typeof tasks>;
export type AgentInsert = PgInsertValue<typeof agents>;

/** A task row straight in the table (queued by default), for scenarios the API can't reach. */
export async function insertTaskRow(db: Database, values: Partial<TaskInsert> = {}) {
  const [task] = await db
    .insert(tasks)
    .values({ name: "task", state: "queued", ...values })
    .returning();
  if (!task) throw new Error("no task inserted");
  return task;
}

/** An agent row straight in the table, owned by a made-up token unless given one. */
export async function insertAgentRow(db: Database, values: Partial<AgentInsert> = {}) {
  const [agent] = await db
    .insert(agents)
    .values({ name: `agent-${randomUUID()}`, tokenId: randomUUID(), ...values })
    .returning();
  if (!agent) throw new Error("no agent inserted");
  return agent;
}
