import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/rows";
import { DomainError } from "@/server/errors";
import { recordEvents } from "@/server/events/record";
import { explainFenced, type LeaseCaller, type LeaseRef } from "./fencing";
import { isoTime } from "./sql";

export interface ProgressReport extends LeaseRef {
  /** 0..1 */
  fraction?: number;
  step?: string;
  message?: string;
}

/**
 * Records progress on a held lease and extends it by the task's lease_s; progress_changed_at
 * moves only when the fraction or the step changes (task_stalled). Fenced like every
 * lease call: a stale or foreign report changes nothing and throws the reason.
 */
export async function reportProgress(db: Database, caller: LeaseCaller, report: ProgressReport) {
  return db.transaction(async (tx) => {
    const [row] = await queryRows(
      tx,
      "report progress",
      z.object({
        id: z.string(),
        workflow_id: z.string().nullable(),
        lease_expires_at: z.string(),
      }),
      sql`
      update tasks set
        progress_changed_at = case
          when coalesce(${report.fraction ?? null}::float8, progress) is distinct from progress
            or coalesce(${report.step ?? null}, progress_step) is distinct from progress_step
          then now() else progress_changed_at end,
        progress = coalesce(${report.fraction ?? null}::float8, progress),
        progress_step = coalesce(${report.step ?? null}, progress_step),
        progress_message = coalesce(${report.message ?? null}, progress_message),
        lease_expires_at = now() + lease_s * interval '1 second', updated_at = now()
      where id = ${report.taskId} and lease_epoch = ${report.leaseEpoch}
        and agent_id = ${caller.agentId} and state = 'running'
      returning id, workflow_id, ${isoTime(sql`lease_expires_at`)} as lease_expires_at`,
    );
    if (!row) {
      const [outcome] = await explainFenced(tx, [report], caller);
      if (outcome && !outcome.ok) throw new DomainError(outcome.code, outcome.message);
      throw new Error("progress refused without a reason");
    }
    await recordEvents(tx, [
      {
        kind: "task.progress",
        taskId: row.id,
        workflowId: row.workflow_id,
        agentId: caller.agentId,
        data: { fraction: report.fraction, step: report.step, message: report.message },
      },
    ]);
    return { taskId: row.id, leaseExpiresAt: row.lease_expires_at };
  });
}
