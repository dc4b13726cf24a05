import { and, desc, eq, lt, type SQL, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { type AlertRule, alerts } from "@/db/schema/alerts";
import { DomainError, notFound } from "@/server/errors";
import { type AlertRow, recordAlertChanges } from "./changes";

export const ALERT_RULES = [
  "task_duration",
  "resource_usage",
  "dependency_wait",
  "failure_rate",
  "agent_offline",
  "agent_quarantined",
  "task_stalled",
  "wait_timeout",
] as const satisfies readonly AlertRule[];

export interface ListAlertsParams {
  state?: "firing" | "resolved";
  rule?: AlertRule;
  /** The `nextCursor` of the previous page: alerts with a smaller id. */
  cursor?: number;
  limit: number;
}

export interface ListAlertsResult {
  items: AlertRow[];
  nextCursor: number | null;
}

/** Alerts, newest first, a page at a time. */
export async function listAlerts(
  db: Database,
  params: ListAlertsParams,
): Promise<ListAlertsResult> {
  const where: SQL[] = [];
  if (params.state) where.push(eq(alerts.state, params.state));
  if (params.rule) where.push(eq(alerts.rule, params.rule));
  if (params.cursor !== undefined) where.push(lt(alerts.id, params.cursor));
  const rows = await db
    .select()
    .from(alerts)
    .where(and(...where))
    .orderBy(desc(alerts.id))
    .limit(params.limit + 1);
  const items = rows.slice(0, params.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > params.limit && last ? last.id : null };
}

/**
 * Marks a firing alert as seen by `tokenId`: it stays firing and keeps updating, but its
 * escalations are no longer sent to the webhook. Acknowledging it again changes nothing.
 */
export async function acknowledgeAlert(
  db: Database,
  id: number,
  tokenId: string,
): Promise<AlertRow> {
  return db.transaction(async (tx) => {
    const [acknowledged] = await tx
      .update(alerts)
      .set({ acknowledgedAt: sql`now()`, acknowledgedBy: tokenId })
      .where(
        and(
          eq(alerts.id, id),
          sql`${alerts.state} = 'firing'`,
          sql`${alerts.acknowledgedAt} is null`,
        ),
      )
      .returning();
    if (acknowledged) {
      // An acknowledgement is a human's own act: it goes on the stream, not to the webhook.
      await recordAlertChanges(
        tx,
        [{ kind: "alert.acknowledged", alert: acknowledged, notify: false }],
        { webhook: false },
      );
      return acknowledged;
    }
    const current = await currentAlert(tx, id);
    if (current.state === "resolved") throw resolvedAlready(current);
    return current;
  });
}

/**
 * Resolves a firing alert now, on `tokenId`'s word. While the condition still holds, the
 * evaluation opens no new alert for the same rule and subject: it must clear first (see
 * `clear_since` in db/schema/alerts.ts), so resolving a known, lasting condition silences it.
 */
export async function resolveAlert(
  db: Database,
  id: number,
  tokenId: string,
  options: { webhook: boolean },
): Promise<AlertRow> {
  return db.transaction(async (tx) => {
    const [resolved] = await tx
      .update(alerts)
      .set({
        state: "resolved",
        resolvedAt: sql`now()`,
        resolvedBy: tokenId,
        clearSince: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(alerts.id, id), sql`${alerts.state} = 'firing'`))
      .returning();
    if (!resolved) throw resolvedAlready(await currentAlert(tx, id));
    await recordAlertChanges(
      tx,
      [{ kind: "alert.resolved", alert: resolved, notify: true }],
      options,
    );
    return resolved;
  });
}

async function currentAlert(db: Executor, id: number): Promise<AlertRow> {
  const [row] = await db.select().from(alerts).where(eq(alerts.id, id));
  if (!row) throw notFound(`alert ${id}`);
  return row;
}

function resolvedAlready(alert: AlertRow): DomainError {
  const by = alert.resolvedBy ? "by an operator" : "automatically";
  return new DomainError("CONFLICT", `alert ${alert.id} is already resolved (${by})`);
}
