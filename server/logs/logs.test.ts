import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventHub, type EventHub } from "@/server/events/hub";
import { claimTasks, RETRY_ELSEWHERE_S } from "@/server/tasks/claim";
import { failTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { backdate, claimOnly, makeAgent, submit } from "@/test/engine";
import { appendLogs, type LogItem } from "./append";
import { followLog } from "./follow";
import { MAX_LINE_BYTES } from "./line";
import { readLogs } from "./read";
import { pruneTaskLogs } from "./retention";

const pg = setupTestDatabase();
const limits = { maxLinesPerAttempt: 100_000, maxBytesPerAttempt: 10 * 1024 * 1024 };
const info = (message: string) => ({ level: "info" as const, message });

let hub: EventHub;
beforeAll(async () => {
  hub = createEventHub(pg.url);
  await hub.ready();
});
afterAll(async () => {
  await hub.close();
});

async function runningTask(options: { maxAttempts?: number } = {}) {
  const agent = await makeAgent(pg.db);
  const task = await submit(pg.db, {
    name: "logs",
    maxAttempts: options.maxAttempts ?? 3,
    backoff: { baseS: 0, maxS: 0 },
  });
  const claimed = await claimOnly(pg.db, agent.agentId, task.id);
  return { agent, taskId: task.id, leaseEpoch: claimed.leaseEpoch };
}

async function storedLines(taskId: string) {
  return pg.db.execute<{ seq: string; attempt: number; level: string; message: string }>(
    sql`select seq, attempt, level, message from task_logs where task_id = ${taskId} order by seq`,
  );
}

describe("fencing", () => {
  it("appends to the held attempt and refuses a stale epoch without writing anything", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    const first = await appendLogs(
      pg.db,
      agent,
      [{ taskId, leaseEpoch, lines: [info("a")] }],
      limits,
    );
    expect(first).toEqual([{ taskId, ok: true, accepted: 1 }]);
    // The attempt fails and is retried: epoch 1 is stale from now on.
    await failTasks(pg.db, agent, [{ taskId, leaseEpoch, error: "x", retryable: true }]);
    // Other agents of this file could take the retry: this one gets it once they had a go.
    await backdate(pg.db, taskId, "run_at", RETRY_ELSEWHERE_S + 1);
    const [again] = await claimTasks(pg.db, agent.agentId, 1);
    expect(again?.leaseEpoch).toBe(leaseEpoch + 1);
    const stale = await appendLogs(
      pg.db,
      agent,
      [{ taskId, leaseEpoch, lines: [info("late"), info("later")] }],
      limits,
    );
    expect(stale).toEqual([
      { taskId, ok: false, code: "CONFLICT", message: expect.stringContaining("stale lease") },
    ]);
    expect((await storedLines(taskId)).map((row) => row.message)).toEqual(["a"]);
  });

  it("reports each item of a batch on its own, like completeMany", async () => {
    const held = await runningTask();
    const other = await runningTask();
    const items: LogItem[] = [
      { taskId: held.taskId, leaseEpoch: held.leaseEpoch, lines: [info("one"), info("two")] },
      // Another agent's task: this caller holds no lease on it.
      { taskId: other.taskId, leaseEpoch: other.leaseEpoch, lines: [info("not mine")] },
      { taskId: held.taskId, leaseEpoch: held.leaseEpoch + 5, lines: [info("stale")] },
    ];
    const results = await appendLogs(pg.db, held.agent, items, limits);
    expect(results).toEqual([
      { taskId: held.taskId, ok: true, accepted: 2 },
      { taskId: other.taskId, ok: false, code: "FORBIDDEN", message: expect.any(String) },
      { taskId: held.taskId, ok: false, code: "CONFLICT", message: expect.any(String) },
    ]);
    expect((await storedLines(held.taskId)).map((row) => row.message)).toEqual(["one", "two"]);
    expect(await storedLines(other.taskId)).toEqual([]);
  });

  it("writes a batch all or nothing: one line PostgreSQL refuses leaves every item unwritten", async () => {
    const agent = await makeAgent(pg.db);
    const held = async () => {
      const task = await submit(pg.db, { name: "batch" });
      const claimed = await claimOnly(pg.db, agent.agentId, task.id);
      return { taskId: task.id, leaseEpoch: claimed.leaseEpoch };
    };
    const first = await held();
    const second = await held();
    await appendLogs(pg.db, agent, [{ ...first, lines: [info("before")] }], limits);
    // The procedures refuse NUL at the boundary; called directly, PostgreSQL refuses it.
    const items: LogItem[] = [
      { ...first, lines: [info("kept?"), info("also kept?")] },
      { ...second, lines: [info("fine"), info("bad \u0000 line")] },
    ];
    await expect(appendLogs(pg.db, agent, items, limits)).rejects.toThrow();
    expect((await storedLines(first.taskId)).map((row) => row.message)).toEqual(["before"]);
    expect(await storedLines(second.taskId)).toEqual([]);
    // The counters rolled back with the lines: the next append follows on without a gap.
    await appendLogs(pg.db, agent, [{ ...first, lines: [info("after")] }], limits);
    const rows = await storedLines(first.taskId);
    expect(rows.map((row) => [Number(row.seq), row.message])).toEqual([
      [1, "before"],
      [2, "after"],
    ]);
  });
});

describe("limits", () => {
  it("cuts a line over 16 KiB and says so at its end", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    const long = "é".repeat(MAX_LINE_BYTES); // two bytes each: twice the limit
    await appendLogs(pg.db, agent, [{ taskId, leaseEpoch, lines: [info(long)] }], limits);
    const [row] = await storedLines(taskId);
    expect(Buffer.byteLength(row?.message ?? "")).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(row?.message).toMatch(/^é+ … \[line cut: \d+ more bytes\]$/);
  });

  it("drops lines past the attempt's limit and keeps one marker with the count", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    const small = { maxLinesPerAttempt: 3, maxBytesPerAttempt: 1_000_000 };
    const append = (...messages: string[]) =>
      appendLogs(pg.db, agent, [{ taskId, leaseEpoch, lines: messages.map(info) }], small);
    expect(await append("1", "2")).toEqual([{ taskId, ok: true, accepted: 2 }]);
    expect(await append("3", "4", "5")).toEqual([{ taskId, ok: true, accepted: 1 }]);
    await append("6", "7", "8");
    const rows = await storedLines(taskId);
    expect(rows.map((row) => row.message).slice(0, 3)).toEqual(["1", "2", "3"]);
    expect(rows).toHaveLength(4);
    expect(rows[3]).toMatchObject({
      level: "warn",
      message: expect.stringContaining("… 5 more lines dropped"),
    });
  });

  it("counts bytes too, and starts afresh with the next attempt", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    const small = { maxLinesPerAttempt: 1000, maxBytesPerAttempt: 10 };
    await appendLogs(
      pg.db,
      agent,
      [{ taskId, leaseEpoch, lines: [info("12345"), info("678901")] }],
      small,
    );
    await failTasks(pg.db, agent, [{ taskId, leaseEpoch, error: "x", retryable: true }]);
    // Other agents of this file could take the retry: this one gets it once they had a go.
    await backdate(pg.db, taskId, "run_at", RETRY_ELSEWHERE_S + 1);
    const [again] = await claimTasks(pg.db, agent.agentId, 1);
    await appendLogs(
      pg.db,
      agent,
      [{ taskId, leaseEpoch: again?.leaseEpoch ?? 0, lines: [info("second")] }],
      small,
    );
    const rows = await storedLines(taskId);
    expect(rows.map((row) => [row.attempt, row.message.slice(0, 14)])).toEqual([
      [1, "12345"],
      [1, "… 1 more line "],
      [2, "second"],
    ]);
    const page = await readLogs(pg.db, { taskId, attempt: 2, limit: 10 });
    expect(page.attempts).toEqual([1, 2]);
    expect(page.lines.map((line) => line.message)).toEqual(["second"]);
  });
});

describe("storing", () => {
  it("keeps every character of messages and fields as sent", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    const messages = [
      'a "quoted" \\ back\\slash, {braces}, commas',
      "NULL",
      "",
      "multi\nline\ttabs",
      "émoji 🎉 and 中文",
      "<img src=x onerror=alert(1)>",
    ];
    await appendLogs(
      pg.db,
      agent,
      [
        {
          taskId,
          leaseEpoch,
          lines: messages.map((message) => ({
            level: "info" as const,
            message,
            fields: { message, nested: { list: [1, "two", null] } },
            at: "2030-01-02T03:04:05.678Z",
          })),
        },
      ],
      limits,
    );
    const page = await readLogs(pg.db, { taskId, limit: 100 });
    expect(page.lines.map((line) => line.message)).toEqual(messages);
    expect(page.lines.map((line) => line.fields)).toEqual(
      messages.map((message) => ({ message, nested: { list: [1, "two", null] } })),
    );
    expect(page.lines[0]?.at).toBe("2030-01-02T03:04:05.678Z");
  });
});

describe("reading", () => {
  it("filters by level and text, and pages by sequence number", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    const lines = [
      { level: "debug" as const, message: "connecting" },
      { level: "info" as const, message: "fetched 100% of rows" },
      { level: "warn" as const, message: "slow response" },
      { level: "error" as const, message: "Timeout while fetching" },
    ];
    await appendLogs(pg.db, agent, [{ taskId, leaseEpoch, lines }], limits);
    const messages = async (input: Parameters<typeof readLogs>[1]) =>
      (await readLogs(pg.db, input)).lines.map((line) => line.message);
    expect(await messages({ taskId, level: "warn", limit: 10 })).toEqual([
      "slow response",
      "Timeout while fetching",
    ]);
    expect(await messages({ taskId, text: "FETCH", limit: 10 })).toEqual([
      "fetched 100% of rows",
      "Timeout while fetching",
    ]);
    // % is a character to look for, not a wildcard.
    expect(await messages({ taskId, text: "0%", limit: 10 })).toEqual(["fetched 100% of rows"]);
    const first = await readLogs(pg.db, { taskId, limit: 3 });
    expect(first.nextAfterSeq).toBe(3);
    expect(await messages({ taskId, afterSeq: 3, limit: 3 })).toEqual(["Timeout while fetching"]);
  });
});

describe("retention", () => {
  it("prunes lines stored before logs_days and keeps the newer ones", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    await appendLogs(
      pg.db,
      agent,
      [{ taskId, leaseEpoch, lines: [info("old"), info("older")] }],
      limits,
    );
    await pg.db.execute(
      sql`update task_logs set logged_at = now() - interval '8 days' where task_id = ${taskId}`,
    );
    await appendLogs(pg.db, agent, [{ taskId, leaseEpoch, lines: [info("new")] }], limits);
    const report = await pruneTaskLogs(pg.db, { logsDays: 7, batch: 1, maxBatches: 1 });
    expect(report).toEqual({ deleted: 1, more: true });
    const rest = await pruneTaskLogs(pg.db, { logsDays: 7, batch: 10, maxBatches: 5 });
    expect(rest).toEqual({ deleted: 1, more: false });
    expect((await storedLines(taskId)).map((row) => row.message)).toEqual(["new"]);
  });

  it("forgets the state of a log whose lines are all gone", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    await appendLogs(pg.db, agent, [{ taskId, leaseEpoch, lines: [info("bygone")] }], limits);
    await pg.db.execute(
      sql`update task_logs set logged_at = now() - interval '9 days' where task_id = ${taskId}`,
    );
    await pg.db.execute(
      sql`update task_log_state set updated_at = now() - interval '9 days' where task_id = ${taskId}`,
    );
    await pruneTaskLogs(pg.db, { logsDays: 7, batch: 100, maxBatches: 5 });
    const page = await readLogs(pg.db, { taskId, limit: 10 });
    expect(page).toEqual({ lines: [], nextAfterSeq: null, attempts: [], lastSeq: 0 });
  });
});

describe("following", () => {
  it("resumes after a sequence number with no gap and no repeat while appends go on", async () => {
    const { agent, taskId, leaseEpoch } = await runningTask();
    const append = (from: number, count: number) =>
      appendLogs(
        pg.db,
        agent,
        [
          {
            taskId,
            leaseEpoch,
            lines: Array.from({ length: count }, (_, i) => info(`line ${from + i}`)),
          },
        ],
        limits,
      );
    await append(1, 10);
    const controller = new AbortController();
    const seen: number[] = [];
    const follow = followLog({ db: pg.db, hub, taskId, afterSeq: 4, signal: controller.signal });
    const writers = (async () => {
      for (let i = 0; i < 20; i++) await append(11 + i * 7, 7);
    })();
    for await (const page of follow) {
      seen.push(...page.map((line) => line.seq));
      if (seen.at(-1) === 150) controller.abort();
    }
    await writers;
    expect(seen).toEqual(Array.from({ length: 146 }, (_, i) => i + 5));
  });

  it("wakes only the followers of the task that logged", async () => {
    const a = await runningTask();
    const b = await runningTask();
    const heardByB: number[] = [];
    const offB = hub.onTaskLog(b.taskId, (seq) => heardByB.push(seq));
    const heardByA = new Promise<number>((resolve) => {
      const offA = hub.onTaskLog(a.taskId, (seq) => {
        offA();
        resolve(seq);
      });
    });
    await appendLogs(
      pg.db,
      a.agent,
      [{ taskId: a.taskId, leaseEpoch: a.leaseEpoch, lines: [info("x")] }],
      limits,
    );
    expect(await heardByA).toBe(1);
    // Notifications arrive in commit order: one for B would have come before this one.
    const marker = new Promise<void>((resolve) => {
      const off = hub.onTaskLog(a.taskId, () => {
        off();
        resolve();
      });
    });
    await appendLogs(
      pg.db,
      a.agent,
      [{ taskId: a.taskId, leaseEpoch: a.leaseEpoch, lines: [info("y")] }],
      limits,
    );
    await marker;
    offB();
    expect(heardByB).toEqual([]);
    expect(hub.stats().followedLogs).toBe(0);
  });
});
