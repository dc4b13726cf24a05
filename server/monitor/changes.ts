import { inArray, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { alertDeliveries, alerts } from "@/db/schema/alerts";
import { type NewEvent, recordEvents } from "@/server/events/record";

export type AlertRow = typeof alerts.$inferSelect;

export type AlertChangeKind =
  | "alert.opened"
  | "alert.updated"
  | "alert.resolved"
  | "alert.acknowledged";

export interface AlertChange {
  kind: AlertChangeKind;
  alert: AlertRow;
  /** Also POST it to the webhook (when one is configured). */
  notify: boolean;
}

/** The alert as events, webhook payloads and the API show it. */
export function alertJson(alert: AlertRow) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: alert.id,
    rule: alert.rule,
    subject: alert.subject,
    state: alert.state,
    severity: alert.severity,
    value: alert.value,
    threshold: alert.threshold,
    message: alert.message,
    openedAt: iso(alert.openedAt),
    updatedAt: iso(alert.updatedAt),
    resolvedAt: iso(alert.resolvedAt),
    acknowledgedAt: iso(alert.acknowledgedAt),
    acknowledgedBy: alert.acknowledgedBy,
    resolvedBy: alert.resolvedBy,
  };
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TASK_SUBJECT = new RegExp(`^task:(${UUID})$`);
const AGENT_SUBJECT = new RegExp(`^agent:(${UUID})(?::|$)`);

/** The task or agent a subject is about, so their timelines and stream filters show it. */
function subjectRefs(subject: string): Pick<NewEvent, "taskId" | "agentId"> {
  return {
    taskId: TASK_SUBJECT.exec(subject)?.[1] ?? null,
    agentId: AGENT_SUBJECT.exec(subject)?.[1] ?? null,
  };
}

/**
 * Writes the changes' events and, when `webhook` is set, their notifications to the outbox,
 * in the caller's transaction: the stream and the webhook never disagree with the table.
 */
export async function recordAlertChanges(
  tx: Executor,
  changes: readonly AlertChange[],
  options: { webhook: boolean },
): Promise<void> {
  if (changes.length === 0) return;
  await recordEvents(
    tx,
    changes.map(({ kind, alert }) => ({
      kind,
      ...subjectRefs(alert.subject),
      data: alertJson(alert),
    })),
  );
  const outgoing = options.webhook ? changes.filter((change) => change.notify) : [];
  if (outgoing.length === 0) return;
  await tx.insert(alertDeliveries).values(
    outgoing.map(({ kind, alert }) => ({
      alertId: alert.id,
      kind,
      payload: { event: kind, alert: alertJson(alert) },
    })),
  );
  await tx
    .update(alerts)
    .set({ lastNotifiedAt: sql`now()` })
    .where(
      inArray(
        alerts.id,
        outgoing.map((change) => change.alert.id),
      ),
    );
}
