import { sql } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { mapRows } from "@/db/rows";
import { assertAgentOwner } from "@/server/agents/ownership";
import { recordAttemptFailures, recordAttemptSuccess } from "@/server/agents/quarantine";
import type { Principal } from "@/server/auth/roles";
import { phase, phaseTasks } from "@/server/log/phase-timings";
import { completeStatement } from "./complete-statement";
import { explainFenced, type FencedOutcome, type LeaseCaller, type LeaseRef } from "./fencing";
import {
  type EndedAttempt,
  endedAttempt,
  endedColumns,
  retryOrFail,
  type SettleResult,
  settleEndedAttempts,
} from "./settle";

export interface CompleteItem extends LeaseRef {
  result?: unknown;
}

export interface FailItem extends LeaseRef {
  error: unknown;
  /** false: fail for good now, whatever attempts remain. */
  retryable: boolean;
}

/**
 * Completes many attempts in one transaction, each fenced by (task, epoch, agent): items whose
 * lease is not the caller's current one change nothing and come back with their reason.
 */
export async function completeTasks(
  db: Database,
  caller: LeaseCaller,
  items: readonly CompleteItem[],
): Promise<FencedOutcome[]> {
  return db.transaction(async (tx) => (await completeWithin(tx, caller, items)).results);
}

/**
 * completeTasks inside the caller's transaction (see complete-and-claim.ts), which with
 * `wakeClaimers` "defer" wakes the waiting claimers itself, or not, once it has claimed.
 */
export async function completeWithin(
  tx: Transaction,
  caller: LeaseCaller,
  items: readonly CompleteItem[],
  wakeClaimers: "now" | "defer" = "now",
  /**
   * The principal to check owns the agent, when the caller has not (leaseCaller): checked in
   * the completion's own statement, which changes nothing for a token not the agent's; only
   * when some item did not complete is the agent read again, to refuse as assertAgentOwner
   * does. A round trip fewer on every completion.
   */
  owner?: Principal,
): Promise<{ results: FencedOutcome[]; settled: SettleResult }> {
  phase("tx.begin");
  const now = wakeClaimers === "now";
  const done = await completeStatement(tx, caller, items, {
    owner,
    wake: { readied: now, freed: now },
  });
  const { ended } = done;
  phase("tx.update");
  if (owner && ended.length < items.length) await assertAgentOwner(tx, owner, caller.agentId);
  let settled: SettleResult = {
    readied: done.readied,
    freed: ended.some((row) => row.held_key),
  };
  if (!done.settled) {
    settled = await settleEndedAttempts(tx, ended, () => ({}), { recorded: true, wakeClaimers });
    await recordAttemptSuccess(tx, caller.agentId);
  }
  phase("tx.settle");
  const results = await outcomes(tx, items, ended, caller);
  phase("tx.outcomes");
  phaseTasks(
    "completed",
    ended.map((row) => row.id),
  );
  return { results, settled };
}

/** Fails attempts: each is retried with backoff while attempts remain and it is retryable. */
export async function failTasks(
  db: Database,
  caller: LeaseCaller,
  items: readonly FailItem[],
): Promise<FencedOutcome[]> {
  return db.transaction(async (tx) => {
    const ended = await mapRows(
      tx,
      "fail tasks",
      (row, c) => ({ ...endedAttempt(row, c), type: c.string(row, "type") }),
      sql`
      update tasks t set ${retryOrFail(sql`v.error`, sql`v.retryable`)}
      from jsonb_to_recordset(${JSON.stringify(items)}::jsonb)
        as v("taskId" uuid, "leaseEpoch" int, error jsonb, retryable boolean)
      where t.id = v."taskId" and t.lease_epoch = v."leaseEpoch"
        and t.agent_id = ${caller.agentId} and t.state = 'running'
      returning ${endedColumns(sql`'running'::task_state`)}, t.type`,
    );
    await settleEndedAttempts(tx, ended, (row) => ({ retrying: row.state === "queued" }));
    await recordAttemptFailures(
      tx,
      ended.map((row) => ({ agentId: caller.agentId, type: row.type })),
    );
    return outcomes(tx, items, ended, caller);
  });
}

/**
 * Gives leased tasks back to the queue at once, as a stopping agent does with what it could
 * not finish: not a failure, so the attempt is refunded (a task on its last attempt is not
 * lost to a deploy) and there is no backoff. Fenced like complete and fail.
 */
export async function requeueTasks(
  db: Database,
  caller: LeaseCaller,
  items: readonly LeaseRef[],
): Promise<FencedOutcome[]> {
  return db.transaction(async (tx) => {
    const ended = await mapRows(
      tx,
      "hand back tasks",
      endedAttempt,
      sql`
      update tasks t set state = 'queued', attempts = greatest(t.attempts - 1, 0),
        agent_id = null, lease_expires_at = null, queued_at = now(), updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(items)}::jsonb)
        as v("taskId" uuid, "leaseEpoch" int)
      where t.id = v."taskId" and t.lease_epoch = v."leaseEpoch"
        and t.agent_id = ${caller.agentId} and t.state = 'running'
      returning ${endedColumns(sql`'running'::task_state`)}`,
    );
    await settleEndedAttempts(tx, ended, () => ({ handedBack: true }));
    return outcomes(tx, items, ended, caller);
  });
}

async function outcomes(
  tx: Parameters<typeof explainFenced>[0],
  items: readonly LeaseRef[],
  ended: readonly EndedAttempt[],
  caller: LeaseCaller,
): Promise<FencedOutcome[]> {
  const done = new Set(ended.map((row) => row.id));
  const refused = await explainFenced(
    tx,
    items.filter((item) => !done.has(item.taskId)),
    caller,
  );
  const refusedById = new Map(refused.map((outcome) => [outcome.taskId, outcome]));
  return items.map((item) => refusedById.get(item.taskId) ?? { taskId: item.taskId, ok: true });
}
