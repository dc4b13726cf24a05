import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { rollUpEvents } from "@/server/overview/rollup";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { definePool, makeAgent, submit } from "@/test/engine";
import { TEST_ORIGIN } from "@/test/trpc-http";
import { scrapeMetrics } from "./prometheus";

const pg = setupTestDatabase();

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/y;

/**
 * A strict reader of the Prometheus text format (0.0.4): every line must be a HELP, a TYPE
 * before its metric's samples, or a sample with well-formed, escaped labels; anything else
 * throws, so "parses" means parses.
 */
function parsePrometheusText(text: string): Sample[] {
  const typed = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ")) continue;
    const type = line.match(new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary)$`));
    if (type?.[1]) {
      typed.add(type[1]);
      continue;
    }
    const match = line.match(SAMPLE);
    // A histogram's samples carry its name plus _bucket, _sum or _count.
    const base = match?.[1]?.replace(/_(bucket|sum|count)$/, "");
    const known = match?.[1] !== undefined && (typed.has(match[1]) || typed.has(`${base}`));
    if (!match?.[1] || !known || match[3] === undefined) {
      throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    }
    const labels: Record<string, string> = {};
    const body = match[2] ?? "";
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const label = LABEL.exec(body);
      if (!label?.[1] || label[2] === undefined) throw new Error(`bad labels in ${line}`);
      labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value =
      match[3] === "+Inf" ? Infinity : match[3] === "-Inf" ? -Infinity : Number(match[3]);
    if (Number.isNaN(value) && match[3] !== "NaN") throw new Error(`bad value in ${line}`);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

function scrape(token?: string) {
  const headers = new Headers({ host: new URL(TEST_ORIGIN).host });
  if (token) headers.set("authorization", `Bearer ${token}`);
  return scrapeMetrics(new Request(`${TEST_ORIGIN}/api/metrics`, { headers }), pg.db);
}

let viewerToken = "";

beforeAll(async () => {
  viewerToken = (await createToken(pg.db, { name: "prometheus", role: "viewer" })).secret;
});

async function samples() {
  const response = await scrape(viewerToken);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

const valuesOf = (all: Sample[], name: string, label: string) =>
  Object.fromEntries(all.filter((s) => s.name === name).map((s) => [s.labels[label], s.value]));

describe("/api/metrics", () => {
  it("answers 401 without a token or with a bad one", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape("tm_not-a-token")).status).toBe(401);
  });

  it("parses as Prometheus text, and its counts match the database", async () => {
    await definePool(pg.db, "licences", 4);
    const agent = await makeAgent(pg.db, { name: 'odd "name"\\', capacity: { cpu: 4 } });
    await makeAgent(pg.db, { name: "idle" });
    await pg.db.execute(sql`update agents set status = 'draining' where name = 'idle'`);
    const weird = 'type "with" \\ quotes\nand a newline';
    for (let i = 0; i < 3; i++) await submit(pg.db, { type: weird, requires: { licences: 1 } });
    await submit(pg.db, { name: "later", runAt: "2999-01-01T00:00:00Z" });
    const claimed = await claimTasks(pg.db, agent.agentId, 2);
    const [done] = claimed;
    if (!done) throw new Error("nothing claimed");
    await completeTasks(pg.db, agent, [{ taskId: done.id, leaseEpoch: done.leaseEpoch }]);
    await pg.db.execute(sql`insert into tasks (name, state, finished_at)
      values ('f1', 'failed', now()), ('c1', 'cancelled', now()), ('b1', 'blocked', null)`);

    const all = await samples();
    const expected = await pg.db.execute<{ state: string; count: number }>(
      sql`select state, count(*)::int as count from tasks group by state`,
    );
    const tasks = valuesOf(all, "tm_tasks", "state");
    for (const state of ["blocked", "queued", "running", "succeeded", "failed", "cancelled"]) {
      expect(tasks[state], state).toBe(expected.find((row) => row.state === state)?.count ?? 0);
    }
    expect(tasks).toMatchObject({ running: 1, succeeded: 1, failed: 1, blocked: 1 });

    const [pool] = await pg.db.execute<{ in_use: number; capacity: number }>(
      sql`select in_use, capacity from resources where name = 'licences'`,
    );
    expect(valuesOf(all, "tm_pool_in_use", "pool")).toEqual({ licences: pool?.in_use });
    expect(valuesOf(all, "tm_pool_capacity", "pool")).toEqual({ licences: pool?.capacity });
    expect(pool?.in_use).toBe(1);
    expect(valuesOf(all, "tm_agents", "status")).toEqual({ online: 1, draining: 1, offline: 0 });
    expect(all.find((s) => s.name === "tm_agent_utilisation")?.labels).toEqual({
      agent: 'odd "name"\\',
      agent_id: agent.agentId,
      resource: "cpu",
    });
    // Labels survive escaping; the one finished task of the type gives all three quantiles.
    const waits = all.filter((s) => s.name === "tm_task_queue_wait_seconds");
    expect(waits.map((s) => [s.labels.type, s.labels.quantile])).toEqual([
      [weird, "0.5"],
      [weird, "0.9"],
      [weird, "0.99"],
    ]);
    expect(all.find((s) => s.name === "tm_failure_rate")?.value).toBe(0.5);
    expect(valuesOf(all, "tm_throughput_per_minute", "outcome")).toEqual({
      succeeded: 0.2,
      failed: 0.2,
      cancelled: 0.2,
    });
  });

  it("exposes wait and run time histograms per type from the rollup, cumulative", async () => {
    await pg.db.execute(sql`delete from tasks`);
    const agent = await makeAgent(pg.db);
    const weird = 'h "type"\\';
    for (let i = 0; i < 3; i++) await submit(pg.db, { type: weird });
    const claimed = await claimTasks(pg.db, agent.agentId, 3);
    await completeTasks(
      pg.db,
      agent,
      claimed.map((task) => ({ taskId: task.id, leaseEpoch: task.leaseEpoch })),
    );
    await rollUpEvents(pg.db);
    const all = await samples();
    const buckets = all.filter(
      (s) => s.name === "tm_task_run_time_seconds_bucket" && s.labels.type === weird,
    );
    expect(buckets.length).toBe(17);
    expect(buckets.at(-1)?.labels.le).toBe("+Inf");
    expect(buckets.at(-1)?.value).toBe(3);
    // Cumulative: never decreasing along le.
    const values = buckets.map((s) => s.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const count = all.find(
      (s) => s.name === "tm_task_wait_time_seconds_count" && s.labels.type === weird,
    );
    expect(count?.value).toBe(3);
    expect(
      all.find((s) => s.name === "tm_task_run_time_seconds_sum" && s.labels.type === weird)?.value,
    ).toBeGreaterThanOrEqual(0);
  });

  it("builds each scrape afresh: no registry state carried from the last one", async () => {
    await pg.db.execute(sql`delete from tasks`);
    const before = await samples();
    expect(before.find((s) => s.name === "tm_failure_rate")).toBeUndefined();
    expect(before.filter((s) => s.name === "tm_task_queue_wait_seconds")).toEqual([]);
    await pg.db.execute(sql`insert into tasks (name, state) values ('q', 'queued')`);
    expect(valuesOf(await samples(), "tm_tasks", "state")).toMatchObject({ queued: 1 });
  });
});
