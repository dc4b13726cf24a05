import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { mapRows, queryRows } from "@/db/rows";
import type { Principal } from "@/server/auth/roles";
import { isoTime } from "@/server/tasks/sql";

/** What the claim's first step learnt about the agent's health. */
export interface ClaimGate {
  /** When its quarantine ends; null when it is not quarantined. */
  quarantinedUntil: Date | null;
  /** Its last attempt failed (server/agents/quarantine.ts): it claims oldest first. */
  onFailureStreak: boolean;
}

/**
 * The claim's first step (server/tasks/claim.ts): when the agent is quarantined, says until
 * when, and the claim takes nothing. Still a heartbeat, as every claim is: a quarantined agent
 * keeps running (and reporting) what it already holds, so it must not be marked offline for
 * asking.
 *
 * Scoped to the principal like the claim itself: for an agent the token may not act for it
 * says nothing, and the claim then refuses with its usual reason. A claim that read the agent
 * before a quarantine committed may still take a task, as if it had been claimed just before.
 */
export async function claimGate(
  tx: Executor,
  agentId: string,
  principal?: Principal,
  /** false: leave the agent row alone (a claim that must not wait for its lock). */
  heartbeat = true,
): Promise<ClaimGate> {
  const owned =
    principal && principal.role !== "admin" ? sql`and a.token_id = ${principal.tokenId}` : sql``;
  // On every claim's path: prepared (db/prepared.ts), and mapped rather than parsed.
  const [row] = await mapRows(
    tx,
    "claim gate",
    (row, c) => ({ until: c.nullableString(row, "until"), onStreak: row.on_streak === true }),
    sql`
    with found as (
      select a.id, h.failure_streak > 0 as on_streak,
        case when h.quarantined_until > now() then h.quarantined_until end as quarantined_until
      from agent_health h join agents a on a.id = h.agent_id
      where h.agent_id = ${agentId} ${owned}
    ), touched as (
      update agents set last_heartbeat_at = now(),
        status = case when status = 'offline' then 'online'::agent_status else status end
      where ${heartbeat ? sql`true` : sql`false`}
        and id = (select id from found where quarantined_until is not null)
        and (status = 'offline' or last_heartbeat_at < now() - interval '1 second')
    )
    select ${isoTime(sql`quarantined_until`)} as until, on_streak from found`,
    { prepared: true },
  );
  return {
    quarantinedUntil: row?.until ? new Date(row.until) : null,
    onFailureStreak: row?.onStreak ?? false,
  };
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
