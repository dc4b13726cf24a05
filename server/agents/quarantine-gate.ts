import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { mapRows, queryRows } from "@/db/rows";
import type { Principal } from "@/server/auth/roles";
import { isoTime } from "@/server/tasks/sql";

/**
 * The claim's first step (server/tasks/claim.ts): when the agent is quarantined, returns when
 * its quarantine ends, and the claim takes nothing. Still a heartbeat, as every claim is: a
 * quarantined agent keeps running (and reporting) what it already holds, so it must not be
 * marked offline for asking.
 *
 * Scoped to the principal like the claim itself: for an agent the token may not act for it
 * says nothing, and the claim then refuses with its usual reason. A claim that read the agent
 * before a quarantine committed may still take a task, as if it had been claimed just before.
 */
export async function claimQuarantinedUntil(
  tx: Executor,
  agentId: string,
  principal?: Principal,
  /** false: leave the agent row alone (a claim that must not wait for its lock). */
  heartbeat = true,
): Promise<Date | null> {
  const owned =
    principal && principal.role !== "admin" ? sql`and a.token_id = ${principal.tokenId}` : sql``;
  // On every claim's path: prepared (db/prepared.ts), and mapped rather than parsed.
  const [row] = await mapRows(
    tx,
    "quarantine gate",
    (row, c) => ({ until: c.string(row, "until") }),
    sql`
    with found as (
      select a.id, h.quarantined_until from agent_health h join agents a on a.id = h.agent_id
      where h.agent_id = ${agentId} ${owned} and h.quarantined_until > now()
    ), touched as (
      update agents set last_heartbeat_at = now(),
        status = case when status = 'offline' then 'online'::agent_status else status end
      where ${heartbeat ? sql`true` : sql`false`} and id = (select id from found)
        and (status = 'offline' or last_heartbeat_at < now() - interval '1 second')
    )
    select ${isoTime(sql`quarantined_until`)} as until from found`,
    { prepared: true },
  );
  return row ? new Date(row.until) : null;
}

/** When the agent's quarantine ends, or null when it is not quarantined. */
export async function quarantineEndsAt(db: Executor, agentId: string): Promise<Date | null> {
  const [row] = await queryRows(
    db,
    "quarantine end",
    z.object({ until: z.string() }),
    sql`
    select ${isoTime(sql`quarantined_until`)} as until from agent_health
    where agent_id = ${agentId} and quarantined_until > now()`,
  );
  return row ? new Date(row.until) : null;
}
