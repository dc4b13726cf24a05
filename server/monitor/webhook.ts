import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Executor } from "@/db/client";
import { col, queryRow, queryRows } from "@/db/rows";
import type { AlertWebhookConfig } from "@/server/config";
import { log } from "@/server/log/logger";
import type { Sweep } from "@/server/scheduler/types";
import { isoTime } from "@/server/tasks/sql";

const webhookLog = log.child({ component: "alert-webhook" });

/** Retry delay after the n-th failed attempt: min(5 s x 2^(n-1), 10 min). */
export const WEBHOOK_BACKOFF_BASE_S = 5;
export const WEBHOOK_BACKOFF_MAX_S = 600;
/** Then the delivery is given up (kept, with its last error): about 21 minutes of trying. */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** Deliveries claimed per pass; also the most POSTs in flight from one process. */
const BATCH = 20;
/** A claimed attempt is retried after its timeout plus this, should its process die. */
const LEASE_MARGIN_S = 30;

export interface WebhookTarget extends AlertWebhookConfig {
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export type DeliveryOutcome =
  | { id: number; attempt: number; ok: true }
  | { id: number; attempt: number; ok: false; error: string; givenUp: boolean };

// alert_deliveries.id is a bigserial, which a raw statement returns as a string.
const claimedRow = z.object({ id: col.number(), payload: z.unknown(), attempts: z.number() });
type Claimed = z.output<typeof claimedRow>;

/**
 * Claims the due deliveries (the oldest undelivered one of each alert only, so a receiver
 * sees an alert's changes in order) and starts an attempt of each: attempts are counted and
 * leased at the claim, so another instance or a crash never sends one twice at once.
 */
async function claimDue(db: Executor, timeoutMs: number): Promise<Claimed[]> {
  const leaseS = timeoutMs / 1000 + LEASE_MARGIN_S;
  return queryRows(
    db,
    "claim due webhook deliveries",
    claimedRow,
    sql`
    with due as (
      select d.id from alert_deliveries d
      where d.next_attempt_at <= now()
        and not exists (select 1 from alert_deliveries earlier
          where earlier.alert_id = d.alert_id and earlier.id < d.id
            and earlier.next_attempt_at is not null)
      order by d.next_attempt_at, d.id
      limit ${BATCH}
      for update skip locked
    )
    update alert_deliveries d
    set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseS})
    from due where d.id = due.id
    returning d.id, d.payload, d.attempts`,
  );
}

/** POSTs one delivery and records the outcome. Never throws: a receiver's failure is data. */
async function attempt(
  db: Executor,
  target: WebhookTarget,
  claimed: Claimed,
): Promise<DeliveryOutcome> {
  let error: string | null = null;
  try {
    const response = await (target.fetch ?? fetch)(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        // Delivery is at least once: receivers may deduplicate on this.
        "x-task-manager-delivery": String(claimed.id),
      },
      body: JSON.stringify(claimed.payload),
      signal: AbortSignal.timeout(target.timeoutMs),
      // A redirect is a failed attempt: the payload goes only to the URL an operator configured.
      redirect: "error",
    });
    await response.body?.cancel();
    if (!response.ok) error = `HTTP ${response.status}`;
  } catch (caught) {
    error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
  }
  const base = { id: claimed.id, attempt: claimed.attempts };
  try {
    // `attempts = ` fences off a late answer to an attempt whose lease ran out and was retaken.
    if (error === null) {
      await db.execute(sql`update alert_deliveries
        set delivered_at = now(), next_attempt_at = null, last_error = null
        where id = ${claimed.id} and attempts = ${claimed.attempts}`);
      return { ...base, ok: true };
    }
    const givenUp = claimed.attempts >= WEBHOOK_MAX_ATTEMPTS;
    await db.execute(sql`update alert_deliveries
      set last_error = ${error.slice(0, 500)},
        next_attempt_at = case when ${givenUp} then null else now() + make_interval(secs =>
          least(${WEBHOOK_BACKOFF_BASE_S} * power(2, attempts - 1), ${WEBHOOK_BACKOFF_MAX_S})) end
      where id = ${claimed.id} and attempts = ${claimed.attempts}`);
    if (givenUp) webhookLog.warn({ delivery: claimed.id, error }, "gave up on a delivery");
    return { ...base, ok: false, error, givenUp };
  } catch (caught) {
    // The lease runs out and the delivery is tried again: at least once, not lost.
    webhookLog.warn({ delivery: claimed.id, err: caught }, "could not record a delivery");
    return { ...base, ok: false, error: error ?? "unrecorded success", givenUp: false };
  }
}

/** Sends every due delivery and waits for the answers (the sweep does not wait). */
export async function deliverDueAlerts(
  db: Database,
  target: WebhookTarget,
): Promise<DeliveryOutcome[]> {
  const claimed = await claimDue(db, target.timeoutMs);
  return Promise.all(claimed.map((delivery) => attempt(db, target, delivery)));
}

/** The next time a delivery is due (a retry, or a lease running out); null when none waits. */
export async function nextDeliveryAt(db: Executor): Promise<Date | null> {
  const row = await queryRow(
    db,
    "next webhook delivery",
    z.object({ at: col.date().nullable() }),
    sql`select ${isoTime(sql`min(next_attempt_at)`)} as at
    from alert_deliveries where next_attempt_at is not null`,
  );
  return row?.at ?? null;
}

export interface WebhookSweep extends Sweep {
  /** Resolves when the attempts started by earlier runs have finished (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * Delivery as a sweep. It claims and starts attempts but does not await the POSTs: a slow or
 * dead receiver must never hold up the pass, and so lease expiry or timeouts. While a batch
 * is in flight, later runs start no other, which bounds the POSTs in flight.
 */
export function createWebhookSweep(target: () => WebhookTarget | null): WebhookSweep {
  let inFlight: Promise<unknown> | null = null;
  return {
    name: "alert-webhook",
    async run(db) {
      const current = target();
      if (!current) return { nextDueAt: null };
      if (!inFlight) {
        // The claim is awaited (one quick statement); the POSTs are not.
        const claimed = await claimDue(db, current.timeoutMs);
        if (claimed.length > 0) {
          const sending = Promise.all(claimed.map((d) => attempt(db, current, d))).finally(() => {
            inFlight = null;
          });
          inFlight = sending;
        }
      }
      return { nextDueAt: await nextDeliveryAt(db) };
    },
    async idle() {
      while (inFlight) await inFlight;
    },
  };
}
