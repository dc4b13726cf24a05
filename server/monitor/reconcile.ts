import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Database, Executor, Transaction } from "@/db/client";
import { alerts } from "@/db/schema/alerts";
import { type AlertChange, type AlertRow, recordAlertChanges } from "./changes";
import type { Observation, RuleResult } from "./rules";
import { CLEAR_HOLD_S } from "./settings";

export interface ReconcileOptions {
  /** A webhook is configured: opened, escalated and resolved alerts go to the outbox. */
  webhook: boolean;
}

export interface ReconcileReport {
  opened: number;
  updated: number;
  resolved: number;
  /** When a clearing alert's hold ends and it may resolve; null if none is clearing. */
  nextDueAt: Date | null;
}

// Literals, not parameters, so the planner can use the partial indexes.
const isFiring = sql`${alerts.state} = 'firing'`;
const holdsReopen = sql`${alerts.state} = 'resolved' and ${alerts.clearSince} is null`;
const holdOver = sql`${alerts.clearSince} <= now() - make_interval(secs => ${CLEAR_HOLD_S})`;
const INSERT_CHUNK = 1000;

/**
 * Brings one rule's alerts in line with what the rule observes now, in one transaction:
 * opens an alert per newly breaching subject, updates firing ones whose value moved, starts
 * the clear hold of those whose condition cleared and resolves those clear for CLEAR_HOLD_S.
 *
 * Safe against a concurrent evaluation (another instance, or a manual pass): firing rows are
 * read FOR UPDATE SKIP LOCKED, so each row is changed by one evaluation only, and new alerts
 * are inserted ON CONFLICT DO NOTHING against the partial unique index, so only one insert per
 * (rule, subject) succeeds and only its evaluation records `alert.opened`.
 */
export async function reconcileRule(
  db: Database,
  result: RuleResult,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  return db.transaction(async (tx) => {
    const observed = new Map(result.observations.map((o) => [o.subject, o]));
    const firing = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.rule, result.rule), isFiring))
      .for("update", { skipLocked: true });

    const changes: AlertChange[] = [];
    const startClear: number[] = [];
    const stopClear: number[] = [];
    const clearing: AlertRow[] = [];
    for (const alert of firing) {
      const seen = observed.get(alert.subject);
      if (!seen) {
        if (alert.clearSince === null) startClear.push(alert.id);
        else clearing.push(alert);
      } else if (isSignificant(alert, seen, result)) {
        const [updated] = await tx
          .update(alerts)
          .set({
            value: seen.value,
            severity: seen.severity,
            message: seen.message,
            threshold: result.threshold,
            clearSince: null,
            updatedAt: sql`now()`,
          })
          .where(eq(alerts.id, alert.id))
          .returning();
        // Only an escalation is news worth a notification, and not once someone has it in hand.
        const escalated = alert.severity === "warning" && seen.severity === "critical";
        if (updated) {
          changes.push({
            kind: "alert.updated",
            alert: updated,
            notify: escalated && alert.acknowledgedAt === null,
          });
        }
      } else if (alert.clearSince !== null) {
        stopClear.push(alert.id);
      }
    }
    await setClearSince(tx, startClear, sql`now()`);
    await setClearSince(tx, stopClear, null);

    const resolved = clearing.length
      ? await tx
          .update(alerts)
          .set({ state: "resolved", resolvedAt: sql`now()`, updatedAt: sql`now()` })
          .where(and(inArray(alerts.id, ids(clearing)), holdOver))
          .returning()
      : [];
    for (const alert of resolved) changes.push({ kind: "alert.resolved", alert, notify: true });

    const locked = new Set(firing.map((alert) => alert.subject));
    const unseen = result.observations.filter((o) => o.breaching && !locked.has(o.subject));
    // A firing alert the locking read skipped (an operator resolving it, another evaluation
    // changing it) is no subject to open again: once that resolve commits, it holds back a
    // re-open. Read after the locking read and before the holds, so that whenever the resolve
    // commits, one of the three reads sees the alert; and only when a subject may be new.
    const present = new Set(unseen.length > 0 ? await firingSubjects(tx, result.rule) : []);
    const held = await reopenHolds(tx, result, observed);
    // Sorted, so two evaluations inserting the same subjects wait on each other in the same
    // order instead of deadlocking.
    const fresh = unseen
      .filter((o) => !present.has(o.subject) && !held.has(o.subject))
      .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
    for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
      const opened = await tx
        .insert(alerts)
        .values(
          fresh.slice(i, i + INSERT_CHUNK).map((o) => ({
            rule: result.rule,
            subject: o.subject,
            severity: o.severity,
            value: o.value,
            threshold: result.threshold,
            message: o.message,
          })),
        )
        .onConflictDoNothing({
          target: [alerts.rule, alerts.subject],
          where: sql`state = 'firing'`,
        })
        .returning();
      for (const alert of opened) changes.push({ kind: "alert.opened", alert, notify: true });
    }

    await recordAlertChanges(tx, changes, options);
    const resolvedIds = new Set(ids(resolved));
    const holdEnds = [
      ...startClear.map(() => Date.now()),
      ...clearing.filter((a) => !resolvedIds.has(a.id)).map((a) => a.clearSince?.getTime() ?? 0),
    ];
    return {
      opened: changes.filter((c) => c.kind === "alert.opened").length,
      updated: changes.filter((c) => c.kind === "alert.updated").length,
      resolved: resolved.length,
      nextDueAt: holdEnds.length ? new Date(Math.min(...holdEnds) + CLEAR_HOLD_S * 1000) : null,
    };
  });
}

/**
 * Whether reconcileRule could change anything for `result`: its rule has an alert that is
 * firing or holds back a re-open (`withAlerts`, from rulesWithAlerts), or it observes a subject
 * over the threshold. Otherwise the reconcile would read no row and write none, and the pass
 * saves its transaction: eight rules, four round trips each, twice a second under load.
 */
export function needsReconcile(result: RuleResult, withAlerts: ReadonlySet<string>): boolean {
  return withAlerts.has(result.rule) || result.observations.some((o) => o.breaching);
}

/**
 * The rules with an alert that reconcileRule reads: firing, or resolved by an operator and
 * holding back a re-open. Read before the rules' transactions: an alert another instance opens
 * meanwhile is its evaluation's to keep, and this instance's next pass sees it.
 */
export async function rulesWithAlerts(db: Executor): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ rule: alerts.rule })
    .from(alerts)
    .where(or(isFiring, holdsReopen));
  return new Set(rows.map((row) => row.rule));
}

/**
 * A move worth an `alert.updated` event: a new severity or threshold, or, for values that do
 * not simply follow the clock, a change of a tenth of the threshold (at least 0.01).
 */
function isSignificant(alert: AlertRow, seen: Observation, result: RuleResult): boolean {
  if (seen.severity !== alert.severity || result.threshold !== alert.threshold) return true;
  if (result.valuesFollowClock) return false;
  return Math.abs(seen.value - alert.value) >= Math.max(0.1 * result.threshold, 0.01);
}

/**
 * Subjects whose operator-resolved alert still holds back a new one (the condition has not
 * cleared since). Holds whose condition has cleared are lifted on the way.
 */
async function reopenHolds(
  tx: Transaction,
  result: RuleResult,
  observed: ReadonlyMap<string, Observation>,
): Promise<Set<string>> {
  const holds = await tx
    .select({ id: alerts.id, subject: alerts.subject })
    .from(alerts)
    .where(and(eq(alerts.rule, result.rule), holdsReopen));
  const lifted = holds.filter((hold) => !observed.has(hold.subject));
  await setClearSince(tx, ids(lifted), sql`now()`);
  return new Set(holds.filter((hold) => observed.has(hold.subject)).map((hold) => hold.subject));
}

async function firingSubjects(tx: Transaction, rule: RuleResult["rule"]): Promise<string[]> {
  const rows = await tx
    .select({ subject: alerts.subject })
    .from(alerts)
    .where(and(eq(alerts.rule, rule), isFiring));
  return rows.map((row) => row.subject);
}

async function setClearSince(
  tx: Transaction,
  alertIds: number[],
  value: ReturnType<typeof sql> | null,
) {
  if (alertIds.length === 0) return;
  await tx.update(alerts).set({ clearSince: value }).where(inArray(alerts.id, alertIds));
}

const ids = (rows: readonly { id: number }[]) => rows.map((row) => row.id);
