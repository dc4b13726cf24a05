import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertDeliveries } from "@/db/schema/alerts";
import { resources } from "@/db/schema/resources";
import { setupTestDatabase } from "@/test/db";
import { evaluateAlerts } from "./evaluate";
import { resetMonitorTables, testSettings } from "./test-helpers";
import { createWebhookSweep, deliverDueAlerts, WEBHOOK_MAX_ATTEMPTS } from "./webhook";

const pg = setupTestDatabase();

/** A receiver on 127.0.0.1 that answers 500 to the first `failures` requests, then 204. */
let receiver: {
  server: Server;
  url: string;
  received: { headers: IncomingMessage["headers"]; body: unknown }[];
};
let failures = 0;
let hang = false;

beforeAll(async () => {
  const received: (typeof receiver)["received"] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      if (hang) return; // never answers: the sender's timeout must end the attempt
      res.statusCode = received.length <= failures ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  receiver = { server, url: `http://127.0.0.1:${port}/hook`, received };
});

afterAll(async () => {
  receiver.server.closeAllConnections();
  await new Promise((resolve) => receiver.server.close(resolve));
});

beforeEach(async () => {
  await resetMonitorTables(pg.db);
  receiver.received.length = 0;
  failures = 0;
  hang = false;
});

afterEach(() => receiver.server.closeAllConnections());

/** One alert opened with a webhook configured: one delivery in the outbox. */
async function openAlert() {
  await pg.db.insert(resources).values({ name: "gpu", scope: "pool", capacity: 1, inUse: 1 });
  await evaluateAlerts(pg.db, testSettings());
}

async function deliveries() {
  return pg.db
    .select({
      attempts: alertDeliveries.attempts,
      deliveredAt: alertDeliveries.deliveredAt,
      lastError: alertDeliveries.lastError,
      dueInS: sql<number | null>`extract(epoch from next_attempt_at - now())::float8`,
    })
    .from(alertDeliveries);
}

/** Brings every pending retry forward to now, instead of waiting out its backoff. */
const retryNow = () =>
  pg.db.execute(
    sql`update alert_deliveries set next_attempt_at = now() where next_attempt_at is not null`,
  );

describe("webhook delivery", () => {
  it("retries with exponential backoff, then delivers the alert as JSON", async () => {
    failures = 2;
    await openAlert();
    const target = { url: receiver.url, timeoutMs: 2000 };

    expect(await deliverDueAlerts(pg.db, target)).toMatchObject([{ ok: false, error: "HTTP 500" }]);
    const [first] = await deliveries();
    expect(first).toMatchObject({ attempts: 1, deliveredAt: null, lastError: "HTTP 500" });
    expect(first?.dueInS).toBeGreaterThan(4);
    expect(first?.dueInS).toBeLessThanOrEqual(5);
    // Not due yet: nothing is sent.
    expect(await deliverDueAlerts(pg.db, target)).toEqual([]);

    await retryNow();
    await deliverDueAlerts(pg.db, target);
    const [second] = await deliveries();
    expect(second?.dueInS).toBeGreaterThan(9); // 5 s, then 10 s
    expect(second?.dueInS).toBeLessThanOrEqual(10);

    await retryNow();
    const [delivered] = await deliverDueAlerts(pg.db, target);
    expect(delivered).toMatchObject({ ok: true, attempt: 3 });
    // The bigserial id is parsed into the number the outcome's type promises.
    expect(typeof delivered?.id).toBe("number");
    expect(await deliveries()).toMatchObject([{ attempts: 3, lastError: null, dueInS: null }]);
    expect((await deliveries())[0]?.deliveredAt).toBeInstanceOf(Date);

    expect(receiver.received).toHaveLength(3);
    const last = receiver.received[2];
    expect(last?.headers["content-type"]).toBe("application/json");
    expect(last?.headers["x-task-manager-delivery"]).toBe(String(delivered?.id));
    expect(last?.body).toMatchObject({
      event: "alert.opened",
      alert: { rule: "resource_usage", subject: "pool:gpu", state: "firing", value: 1 },
    });
  });

  it("gives up after the last attempt, keeping the error", async () => {
    failures = 100;
    await openAlert();
    await pg.db.update(alertDeliveries).set({ attempts: WEBHOOK_MAX_ATTEMPTS - 1 });
    expect(await deliverDueAlerts(pg.db, { url: receiver.url, timeoutMs: 2000 })).toMatchObject([
      { ok: false, givenUp: true },
    ]);
    expect(await deliveries()).toMatchObject([
      { attempts: WEBHOOK_MAX_ATTEMPTS, deliveredAt: null, lastError: "HTTP 500", dueInS: null },
    ]);
  });

  it("sends an alert's notifications in order: a later one waits for the earlier", async () => {
    failures = 1;
    await openAlert();
    await pg.db.update(resources).set({ inUse: 0 }).where(eq(resources.name, "gpu"));
    await pg.db.execute(sql`update alerts set clear_since = now() - interval '1 hour'`);
    await evaluateAlerts(pg.db, testSettings());
    const target = { url: receiver.url, timeoutMs: 2000 };
    expect(await deliverDueAlerts(pg.db, target)).toHaveLength(1);
    await retryNow();
    expect(await deliverDueAlerts(pg.db, target)).toMatchObject([{ ok: true }]);
    expect(await deliverDueAlerts(pg.db, target)).toMatchObject([{ ok: true }]);
    expect(receiver.received.map((r) => (r.body as { event: string }).event)).toEqual([
      "alert.opened",
      "alert.opened",
      "alert.resolved",
    ]);
  });
});

describe("the webhook sweep", () => {
  it("does not wait for a receiver that never answers, and survives its failure", async () => {
    hang = true;
    await openAlert();
    const sweep = createWebhookSweep(() => ({ url: receiver.url, timeoutMs: 300 }));
    const { nextDueAt } = await sweep.run(pg.db);
    // Leased for the timeout plus a margin, in case this process dies mid-attempt.
    expect((nextDueAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(20_000);
    expect(await deliveries()).toMatchObject([{ attempts: 1, deliveredAt: null, lastError: null }]);

    await sweep.idle();
    const [failed] = await deliveries();
    expect(failed?.lastError).toMatch(/TimeoutError/);
    expect(failed?.dueInS).toBeGreaterThan(4);
  });

  it("does nothing without a webhook", async () => {
    await openAlert();
    const sweep = createWebhookSweep(() => null);
    expect(await sweep.run(pg.db)).toEqual({ nextDueAt: null });
    expect(await deliveries()).toMatchObject([{ attempts: 0 }]);
  });
});
