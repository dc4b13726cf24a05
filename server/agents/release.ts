import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/rows";
import { notFound } from "@/server/errors";
import { notifyQueue, recordEvents } from "@/server/events/record";

export interface ReleaseAgentParams {
  agentId: string;
}

export interface ReleaseAgentResult {
  id: string;
  name: string;
  /** False when it was not quarantined: nothing changed. */
  released: boolean;
}

/**
 * An operator ends an agent's quarantine now (server/agents/quarantine.ts). Its failure streak
 * starts again, so it gets `quarantine_after_failures` fresh attempts; the count of its
 * quarantines is kept, so if it fails again its next cool-down is still twice the last.
 * Idempotent: releasing an agent that is not quarantined changes nothing. Long-polling claims
 * are woken at commit, so the agent's waiting claim takes work at once.
 */
export async function releaseAgent(
  db: Database,
  params: ReleaseAgentParams,
  releasedBy: string | null,
): Promise<ReleaseAgentResult> {
  return db.transaction(async (tx) => {
    const [agent] = await queryRows(
      tx,
      "agent to release",
      z.object({ id: z.string(), name: z.string() }),
      sql`select id, name from agents where id = ${params.agentId}`,
    );
    if (!agent) throw notFound(`agent ${params.agentId}`);
    // The update is the check: a release racing a quarantine's end or another release waits on
    // the row, then finds it released already.
    const released = await tx.execute(sql`
      update agent_health set quarantined_until = null, quarantine_reason = null,
        failure_streak = 0, failure_streak_since = null, failure_streak_types = '{}'::text[]
      where agent_id = ${agent.id} and quarantined_until > now()
      returning agent_id`);
    if (released.length === 0) return { id: agent.id, name: agent.name, released: false };
    await recordEvents(tx, [
      { kind: "agent.released", agentId: agent.id, data: { name: agent.name, by: releasedBy } },
    ]);
    await notifyQueue(tx);
    return { id: agent.id, name: agent.name, released: true };
  });
}
