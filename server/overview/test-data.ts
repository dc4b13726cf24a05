import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

/** Empties the tables the rollup reads and writes. */
export async function resetOverviewTables(db: Database): Promise<void> {
  await db.execute(sql`truncate tasks, task_events, task_rollup, agent_rollup,
    queue_depth_samples, task_type_totals, overview_rollup_state, agents cascade`);
}

export interface FinishedTask {
  type: string;
  outcome: "succeeded" | "failed";
  /** Epoch ms of the claim; the task was queued `waitMs` before and ran `runMs`. */
  startedAt: number;
  waitMs: number;
  runMs: number;
  agentId?: string;
}

const ts = (ms: number) => sql`to_timestamp(${ms / 1000}::float8)`;

/**
 * A finished task and its task.started and end events, as the engine writes them, at the
 * given times: a known data set for the rollup.
 */
export async function insertFinishedTask(db: Database, task: FinishedTask): Promise<string> {
  const id = randomUUID();
  const finishedAt = task.startedAt + task.runMs;
  await db.execute(sql`
    insert into tasks (id, name, type, state, agent_id, attempts, queued_at, started_at, finished_at)
    values (${id}, 'known', ${task.type}, ${task.outcome}, ${task.agentId ?? null}, 1,
      ${ts(task.startedAt - task.waitMs)}, ${ts(task.startedAt)}, ${ts(finishedAt)})`);
  await db.execute(sql`
    insert into task_events (kind, task_id, agent_id, from_state, to_state, created_at) values
      ('task.started', ${id}, ${task.agentId ?? null}, 'queued', 'running', ${ts(task.startedAt)}),
      (${`task.${task.outcome}`}, ${id}, ${task.agentId ?? null}, 'running', ${task.outcome},
        ${ts(finishedAt)})`);
  return id;
}
