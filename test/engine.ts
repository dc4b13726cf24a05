import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { resources } from "@/db/schema/resources";
import type { Principal } from "@/server/auth/roles";
import { createToken } from "@/server/auth/tokens";
import { claimTasks } from "@/server/tasks/claim";
import type { LeaseCaller } from "@/server/tasks/fencing";
import { type SubmitTaskParams, submitTaskInput, submitWorkflowInput } from "@/server/tasks/inputs";
import { submitTask } from "@/server/tasks/submit";
import { submitWorkflow } from "@/server/tasks/submit-workflow";

/** Registers an agent straight in the database, with a token of its own. */
export async function makeAgent(
  db: Database,
  options: { name?: string; capabilities?: string[]; capacity?: Record<string, number> } = {},
): Promise<LeaseCaller & { token: string }> {
  const { secret, token } = await createToken(db, { name: "agent token", role: "agent" });
  const [agent] = await db
    .insert(agents)
    .values({
      name: options.name ?? `agent-${Math.random().toString(36).slice(2, 8)}`,
      tokenId: token.id,
      capabilities: options.capabilities ?? [],
      capacity: options.capacity ?? {},
    })
    .returning();
  if (!agent) throw new Error("no agent inserted");
  return { agentId: agent.id, tokenId: token.id, isAdmin: false, token: secret };
}

/** Submits a task with the API's defaults applied to `spec`. */
export async function submit(
  db: Database,
  spec: Partial<SubmitTaskParams> & { name?: string } = {},
) {
  const params = submitTaskInput.parse({ name: "task", ...spec });
  return (await submitTask(db, params, { tokenId: null })).task;
}

export async function definePool(db: Database, name: string, capacity: number) {
  await db
    .insert(resources)
    .values({ name, scope: "pool", capacity })
    .onConflictDoUpdate({ target: resources.name, set: { capacity } });
}

export async function defineAgentResource(db: Database, name: string) {
  await db.insert(resources).values({ name, scope: "agent" }).onConflictDoNothing();
}

export async function stateOf(db: Database, taskId: string): Promise<string | undefined> {
  const [row] = await db.execute<{ state: string }>(
    sql`select state from tasks where id = ${taskId}`,
  );
  return row?.state;
}

/** Makes a running task's lease (or run_at, or start) lie in the past, instead of waiting. */
export async function backdate(
  db: Database,
  taskId: string,
  column: "lease_expires_at" | "run_at" | "started_at",
  seconds: number,
) {
  await db.execute(
    sql`update tasks set ${sql.identifier(column)} = now() - make_interval(secs => ${seconds}) where id = ${taskId}`,
  );
}

/**
 * Claims exactly `taskId` for the agent: other queued tasks left by earlier tests in the file
 * are cancelled first, so claim order cannot pick one of them.
 */
export async function claimOnly(db: Database, agentId: string, taskId: string) {
  await db.execute(
    sql`update tasks set state = 'cancelled' where state = 'queued' and id <> ${taskId}`,
  );
  const [claimed] = await claimTasks(db, agentId, 1);
  if (claimed?.id !== taskId) throw new Error(`expected to claim ${taskId}, got ${claimed?.id}`);
  return claimed;
}

/** The principal of the token an engine test's agent was registered with (makeAgent). */
export const principalOf = (agent: LeaseCaller): Principal => ({
  tokenId: agent.tokenId,
  tokenName: "agent token",
  role: "agent",
  via: "bearer",
});

/** A parent and its child (`child`'s spec merged in), in one workflow; returns their ids. */
export async function parentAndChild(
  db: Database,
  capability: string,
  child: Record<string, unknown> = {},
) {
  const params = submitWorkflowInput.parse({
    name: "hop",
    tasks: [
      { key: "parent", name: "parent", capabilities: [capability] },
      { key: "child", name: "child", capabilities: [capability], dependsOn: ["parent"], ...child },
    ],
  });
  const { tasks } = await submitWorkflow(db, params, { tokenId: null });
  const id = (key: string) => tasks.find((task) => task.key === key)?.id ?? "";
  return { parent: id("parent"), child: id("child") };
}
