import { type SQL, sql } from "drizzle-orm";
import { isoTime } from "./sql";

/**
 * The transition of a claim, as two CTEs: `claimed` (queued → running for the tasks `where`
 * picks, a new lease epoch and attempt) and `events` (their `task.started` rows). Shared by the
 * general claim (claim.ts) and the claim of a completion's own releases (claim-released.ts),
 * so both start an attempt column for column alike. Times are the statement's, not the
 * transaction's (now()): the claim's first statements may have begun before an upstream task
 * finished whose dependent this statement now starts.
 */
export function startAttempts(agentId: string, where: SQL, extraReturning: SQL = sql``): SQL {
  return sql`claimed as (
      update tasks set state = 'running', agent_id = ${agentId}, lease_epoch = lease_epoch + 1,
        attempts = attempts + 1,
        lease_expires_at = statement_timestamp() + lease_s * interval '1 second',
        started_at = statement_timestamp(), progress = null, progress_step = null, progress_message = null,
        error = null, updated_at = now()
      where ${where}
      returning id, workflow_id, name, type, payload, lease_epoch, lease_expires_at, attempts,
        max_attempts, timeout_s, requires ${extraReturning}
    ), events as (
      insert into task_events (kind, task_id, workflow_id, agent_id, from_state, to_state, data)
      select 'task.started', id, workflow_id, ${agentId}, 'queued', 'running',
        jsonb_build_object('attempt', attempts, 'leaseEpoch', lease_epoch)
      from claimed
      returning id
    )`;
}

/** The columns a claimed task is answered with (ClaimedTask), from `claimed` aliased `c`. */
export const claimedColumns = sql`c.id, c.workflow_id as "workflowId", c.name, c.type, c.payload,
      c.lease_epoch as "leaseEpoch", ${isoTime(sql`c.lease_expires_at`)} as "leaseExpiresAt",
      c.attempts as attempt, c.max_attempts as "maxAttempts", c.timeout_s as "timeoutS",
      c.requires`;
