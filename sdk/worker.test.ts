import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { startTestServer, type TestServer } from "@/test/server";
import { createTaskManagerClient, type TaskManagerClient } from "./client";
import { LeaseLostError, NonRetryableError } from "./errors";
import { type AgentWorker, type AgentWorkerOptions, createAgentWorker } from "./worker";

const pg = setupTestDatabase();
let server: TestServer;
let orchestrator: TaskManagerClient;
let agentToken: string;
const workers: AgentWorker[] = [];

beforeAll(async () => {
  server = await startTestServer({ databaseUrl: pg.url });
  const admin = createTaskManagerClient({ url: server.url, token: server.adminToken });
  const [orchestratorToken, agent] = await Promise.all([
    admin.trpc.tokens.create.mutate({ name: "orchestrator", role: "orchestrator" }),
    admin.trpc.tokens.create.mutate({ name: "agents", role: "agent" }),
  ]);
  orchestrator = createTaskManagerClient({ url: server.url, token: orchestratorToken.secret });
  agentToken = agent.secret;
}, 600_000);

afterAll(async () => {
  await server?.stop();
}, 120_000);

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop({ graceMs: 0 })));
});

/**
 * Each test's tasks need a capability only its own worker has: a task left requeued by one
 * test (a retry) must never be claimed by another test's worker.
 */
function startWorker(
  capability: string,
  options: Pick<AgentWorkerOptions, "handlers"> & Partial<AgentWorkerOptions>,
) {
  const worker = createAgentWorker({
    url: server.url,
    token: agentToken,
    name: `worker-${capability}`,
    capabilities: [capability],
    concurrency: 4,
    waitMs: 5_000,
    ...options,
  });
  workers.push(worker);
  return worker;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const activeTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

/** A workflow a → b → c of `step` tasks only `capability`'s worker runs. */
function submitChain(name: string, capability: string) {
  return orchestrator.submitWorkflow({
    name,
    tasks: ["a", "b", "c"].map((key, i, keys) => ({
      key,
      name: key,
      type: "step",
      capabilities: [capability],
      dependsOn: i === 0 ? [] : [keys[i - 1] ?? ""],
    })),
  });
}

async function events(taskId: string) {
  return (await orchestrator.trpc.tasks.events.query({ taskId })).items;
}

describe("the agent worker over HTTP", () => {
  it("runs a workflow a → b: both succeed with results, b starts after a completed", async () => {
    const worker = startWorker("dag", {
      handlers: {
        step: async (task) => ({ ran: task.name, payload: task.payload }),
      },
    });
    const completed: string[] = [];
    worker.events.on("completed", ({ task }) => completed.push(task.name));
    await worker.start();

    const submitted = await orchestrator.submitWorkflow({
      name: "a then b",
      tasks: [
        { key: "a", name: "a", type: "step", capabilities: ["dag"], payload: { n: 1 } },
        { key: "b", name: "b", type: "step", capabilities: ["dag"], dependsOn: ["a"] },
      ],
    });
    const ids = Object.fromEntries(submitted.tasks.map((task) => [task.key, task.id]));
    const [a, b] = await Promise.all([
      orchestrator.waitForTask(ids.a ?? "", { timeoutMs: 20_000 }),
      orchestrator.waitForTask(ids.b ?? "", { timeoutMs: 20_000 }),
    ]);

    expect(a).toMatchObject({ state: "succeeded", result: { ran: "a", payload: { n: 1 } } });
    expect(b).toMatchObject({ state: "succeeded", result: { ran: "b", payload: {} } });
    expect(completed).toEqual(["a", "b"]);
    const aSucceeded = (await events(a.id)).find((event) => event.kind === "task.succeeded");
    const bStarted = (await events(b.id)).find((event) => event.kind === "task.started");
    // Event ids order everything that happened (one sequence for the whole log).
    expect(aSucceeded?.id).toBeDefined();
    expect(bStarted?.id).toBeGreaterThan(aSucceeded?.id ?? Number.POSITIVE_INFINITY);
    expect(bStarted?.agentId).toBe(worker.agentId);
  });

  it("gets a chain's next task in its parent's completeMany answer, and with claimOnComplete off from a claim", async () => {
    for (const claimOnComplete of [true, false]) {
      const capability = `chain-${claimOnComplete}`;
      // Which answer handed each task out: the worker's own requests, read as they come back.
      const handedOutBy = new Map<string, string>();
      const recording: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        const url = String(input instanceof Request ? input.url : input);
        const path = url.slice(url.lastIndexOf("/") + 1).split("?")[0] ?? "";
        const body = (await response.clone().json()) as {
          result?: { data?: { tasks?: { id: string }[] } };
        };
        for (const task of body.result?.data?.tasks ?? []) handedOutBy.set(task.id, path);
        return response;
      };
      const worker = startWorker(capability, {
        concurrency: 1,
        claimOnComplete,
        fetch: recording,
        handlers: { step: async (task) => ({ ran: task.name }) },
      });
      await worker.start();

      const submitted = await submitChain(`chain ${claimOnComplete}`, capability);
      const ids = submitted.tasks.map((task) => task.id);
      const done = await Promise.all(
        ids.map((id) => orchestrator.waitForTask(id, { timeoutMs: 20_000 })),
      );

      expect(done.map((task) => task.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
      // With one slot, a finished task's slot waits for its completion's answer.
      const expected = claimOnComplete ? "tasks.completeMany" : "agents.claim";
      expect(ids.slice(1).map((id) => handedOutBy.get(id))).toEqual([expected, expected]);
      await worker.stop();
    }
  });

  it("hands back a task whose lease came in a lost answer (claim or completeMany), its attempt refunded, then runs it", async () => {
    for (const via of ["agents.claim", "tasks.completeMany"] as const) {
      const capability = `orphan-${via}`;
      // Armed once the steady task runs: the next answer of `via` that leases a task commits
      // on the server, but the worker only sees a connection error.
      let losing = false;
      let lost: string | undefined;
      // Claims are refused before they are sent from the lost answer until the test has seen
      // the task back in the queue: the worker would otherwise claim it again at once.
      let claimsOpen = false;
      const losingFetch: typeof fetch = async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.includes("agents.claim") && lost !== undefined && !claimsOpen) {
          throw new TypeError("fetch failed: claims are held back by the test");
        }
        const response = await fetch(input, init);
        if (!losing || lost !== undefined || !url.includes(via)) return response;
        const text = await response.text();
        const leased = (JSON.parse(text) as { result?: { data?: { tasks?: { id: string }[] } } })
          .result?.data?.tasks;
        if (leased?.[0]) {
          lost = leased[0].id;
          throw new TypeError("fetch failed: the connection was reset");
        }
        return new Response(text, { status: response.status, headers: response.headers });
      };
      const steadyStarted = deferred();
      const finishSteady = deferred();
      const worker = startWorker(capability, {
        concurrency: 2,
        claimBatch: 1,
        heartbeatS: 0.05,
        fetch: losingFetch,
        handlers: {
          steady: async () => {
            steadyStarted.resolve();
            await finishSteady.promise;
            return "steady";
          },
          step: async (task) => ({ ran: task.name }),
        },
      });
      const requeued: { taskId: string; reason: string }[] = [];
      worker.events.on("requeued", ({ leases, reason }) => {
        for (const { taskId } of leases) requeued.push({ taskId, reason });
      });
      await worker.start();
      const {
        task: { id: steady },
      } = await orchestrator.trpc.tasks.submit.mutate({
        name: "steady",
        type: "steady",
        capabilities: [capability],
      });
      await steadyStarted.promise;
      losing = true;
      const handedBack = worker.events.waitFor("requeued");
      // Its only attempt, and an hour's backoff: had its lease expired instead, it would have
      // failed for good.
      const once = { maxAttempts: 1, backoff: { baseS: 3600 } };
      let orphan: string;
      if (via === "agents.claim") {
        const { task } = await orchestrator.trpc.tasks.submit.mutate({
          name: "orphan",
          type: "step",
          capabilities: [capability],
          ...once,
        });
        orphan = task.id;
      } else {
        const { tasks } = await orchestrator.submitWorkflow({
          name: "a then the orphan",
          tasks: [
            { key: "a", name: "a", type: "step", capabilities: [capability] },
            {
              key: "b",
              name: "orphan",
              type: "step",
              capabilities: [capability],
              dependsOn: ["a"],
              ...once,
            },
          ],
        });
        orphan = tasks[1]?.id ?? "";
      }

      expect(await handedBack).toMatchObject({
        reason: "orphaned",
        leases: [{ taskId: orphan, leaseEpoch: 1 }],
      });
      expect(lost).toBe(orphan);
      expect(await orchestrator.trpc.tasks.get.query({ id: orphan })).toMatchObject({
        state: "queued",
        attempts: 0,
        agentId: null,
        error: null,
      });
      // The task the worker runs kept its lease all along.
      expect(await orchestrator.trpc.tasks.get.query({ id: steady })).toMatchObject({
        state: "running",
        agentId: worker.agentId,
      });

      claimsOpen = true;
      expect(await orchestrator.waitForTask(orphan, { timeoutMs: 20_000 })).toMatchObject({
        state: "succeeded",
        attempts: 1,
        result: { ran: "orphan" },
      });
      finishSteady.resolve();
      expect(await orchestrator.waitForTask(steady, { timeoutMs: 20_000 })).toMatchObject({
        state: "succeeded",
        attempts: 1,
      });
      expect(requeued).toEqual([{ taskId: orphan, reason: "orphaned" }]);
      await worker.stop();
    }
  });

  it("never hands back a lease it runs, reports or is still being handed, however many heartbeats list it", async () => {
    for (const claimOnComplete of [false, true]) {
      const capability = `orphan-never-${claimOnComplete}`;
      let beats = 0;
      const waiting: { at: number; resolve: () => void }[] = [];
      /** Resolves once `n` more heartbeat answers have come back. */
      const beatsLater = (n: number) =>
        new Promise<void>((resolve) => waiting.push({ at: beats + n, resolve }));
      const held = { claimAnswers: 0, reports: 0, completionAnswers: 0 };
      // Four answers: the last one is read after the hold ends, and the first may have been
      // asked before the lease existed, so two heartbeats in between list it, still unknown
      // to the worker (claims and completions) or out of `running` (reports).
      const holding: typeof fetch = async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        const completion = url.includes("tasks.completeMany");
        if (completion) {
          // Not sent yet: the server still lists the task the report is about.
          held.reports++;
          await beatsLater(4);
        }
        const response = await fetch(input, init);
        if (url.includes("agents.heartbeat")) {
          beats++;
          for (const wait of waiting.splice(0)) {
            if (wait.at <= beats) wait.resolve();
            else waiting.push(wait);
          }
          return response;
        }
        if (!completion && !url.includes("agents.claim")) return response;
        const text = await response.text();
        const body = JSON.parse(text) as { result?: { data?: { tasks?: unknown[] } } };
        if ((body.result?.data?.tasks?.length ?? 0) > 0) {
          // Committed on the server, not yet seen by the worker: its lease is the agent's.
          if (completion) held.completionAnswers++;
          else held.claimAnswers++;
          await beatsLater(4);
        }
        return new Response(text, { status: response.status, headers: response.headers });
      };
      const worker = startWorker(capability, {
        concurrency: 1,
        claimOnComplete,
        // No long poll in flight beside what is held: only the rule keeps these leases.
        waitMs: 0,
        heartbeatS: 0.02,
        fetch: holding,
        handlers: {
          step: async (task) => {
            // Runs across heartbeats.
            await beatsLater(3);
            return { ran: task.name };
          },
        },
      });
      let requeued = 0;
      worker.events.on("requeued", () => requeued++);
      await worker.start();
      const submitted = await submitChain(`held ${claimOnComplete}`, capability);
      const done = await Promise.all(
        submitted.tasks.map((task) => orchestrator.waitForTask(task.id, { timeoutMs: 60_000 })),
      );

      expect(done.map((task) => [task.state, task.attempts])).toEqual(
        done.map(() => ["succeeded", 1]),
      );
      expect(requeued).toBe(0);
      expect(held.reports).toBe(3);
      if (claimOnComplete) expect(held.completionAnswers).toBe(2);
      else expect(held.claimAnswers).toBe(3);
      await worker.stop();
    }
  });

  it("fails a task for good when its handler throws NonRetryableError", async () => {
    const worker = startWorker("fatal", {
      handlers: {
        broken: async () => {
          throw new NonRetryableError("the input can never work");
        },
      },
    });
    await worker.start();
    const failed = worker.events.waitFor("failed");
    const {
      task: { id },
    } = await orchestrator.trpc.tasks.submit.mutate({
      name: "doomed",
      type: "broken",
      capabilities: ["fatal"],
      maxAttempts: 5,
    });

    expect(await failed).toMatchObject({ task: { id }, retryable: false });
    const task = await orchestrator.trpc.tasks.get.query({ id });
    expect(task).toMatchObject({
      state: "failed",
      attempts: 1,
      error: { name: "NonRetryableError", message: "the input can never work" },
    });
  });

  it("claims again only once the server has its failure: the claim is chosen knowing it", async () => {
    let failing = 0;
    let claimsBesideFailure = 0;
    let failuresSent = 0;
    const recording: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const isFail = url.includes("tasks.failMany");
      if (isFail) {
        failing++;
        failuresSent++;
      } else if (url.includes("agents.claim") && failing > 0) claimsBesideFailure++;
      try {
        return await fetch(input, init);
      } finally {
        if (isFail) failing--;
      }
    };
    const worker = startWorker("fails-then-claims", {
      concurrency: 1,
      fetch: recording,
      handlers: {
        broken: async () => {
          throw new NonRetryableError("broken environment");
        },
      },
    });
    await worker.start();
    const ids: string[] = [];
    for (const name of ["first", "second", "third"]) {
      const { task } = await orchestrator.trpc.tasks.submit.mutate({
        name,
        type: "broken",
        capabilities: ["fails-then-claims"],
      });
      ids.push(task.id);
    }
    const done = await Promise.all(
      ids.map((id) => orchestrator.waitForTask(id, { timeoutMs: 20_000 })),
    );

    expect(done.map((task) => task.state)).toEqual(["failed", "failed", "failed"]);
    expect(failuresSent).toBeGreaterThan(0);
    expect(claimsBesideFailure).toBe(0);
  });

  it("fails a task of a type it has no handler for, not retryable", async () => {
    const worker = startWorker("unknown", { handlers: {} });
    await worker.start();
    const failed = worker.events.waitFor("failed");
    const {
      task: { id },
    } = await orchestrator.trpc.tasks.submit.mutate({
      name: "nobody's",
      type: "mystery",
      capabilities: ["unknown"],
    });
    expect(await failed).toMatchObject({ task: { id }, retryable: false });
    expect(await orchestrator.trpc.tasks.get.query({ id })).toMatchObject({
      state: "failed",
      error: { message: 'no handler for task type "mystery"' },
    });
  });

  it("shows ctx.progress in tasks.get while the task runs", async () => {
    const reported = deferred();
    const finish = deferred();
    const worker = startWorker("progress", {
      handlers: {
        long: async (_task, ctx) => {
          await ctx.progress({ fraction: 0.5, step: "halfway", message: "3 of 6 files" });
          reported.resolve();
          await finish.promise;
          return "done";
        },
      },
    });
    await worker.start();
    const {
      task: { id },
    } = await orchestrator.trpc.tasks.submit.mutate({
      name: "with progress",
      type: "long",
      capabilities: ["progress"],
    });
    await reported.promise;

    expect(await orchestrator.trpc.tasks.get.query({ id })).toMatchObject({
      state: "running",
      progress: 0.5,
      progressStep: "halfway",
      progressMessage: "3 of 6 files",
    });
    finish.resolve();
    expect(await orchestrator.waitForTask(id, { timeoutMs: 10_000 })).toMatchObject({
      state: "succeeded",
      result: "done",
    });
  });

  it("aborts the handler's signal when its workflow is cancelled, and reports nothing", async () => {
    for (const via of ["heartbeat", "progress"] as const) {
      const started = deferred();
      const cancelled = deferred();
      const handlerEnded = deferred();
      let aborted: unknown;
      let progressError: unknown;
      const worker = startWorker(`cancel-${via}`, {
        // The heartbeat path: the next heartbeat no longer lists the lease.
        heartbeatS: via === "heartbeat" ? 0.1 : 3600,
        handlers: {
          long: async (_task, ctx) => {
            started.resolve();
            if (via === "progress") {
              await cancelled.promise;
              // The progress path: the server answers CONFLICT.
              progressError = await ctx.progress({ fraction: 0.9 }).catch((error) => error);
            }
            if (!ctx.signal.aborted)
              await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
            aborted = ctx.signal.reason;
            handlerEnded.resolve();
            return "too late";
          },
        },
      });
      await worker.start();
      const { workflow, tasks } = await orchestrator.submitWorkflow({
        name: `cancelled via ${via}`,
        tasks: [{ key: "a", name: "a", type: "long", capabilities: [`cancel-${via}`] }],
      });
      await started.promise;
      const lost = worker.events.waitFor("error");
      expect(await orchestrator.cancelWorkflow(workflow.id, "no longer needed")).toEqual({
        id: workflow.id,
        cancelled: 1,
      });
      cancelled.resolve();
      expect(await lost).toMatchObject({ during: via, taskId: tasks[0]?.id });
      await handlerEnded.promise;
      expect(aborted).toBeInstanceOf(LeaseLostError);
      if (via === "progress") expect(progressError).toBeInstanceOf(LeaseLostError);
      await worker.stop({ graceMs: 1000 });
      expect(await orchestrator.trpc.tasks.get.query({ id: tasks[0]?.id as string })).toMatchObject(
        { state: "cancelled", result: null, cancelReason: "no longer needed" },
      );
    }
  });

  it("stop() hands a task still running after the grace period back, its attempt refunded", async () => {
    const started = deferred();
    let aborted: unknown;
    const worker = startWorker("stop", {
      handlers: {
        stuck: async (_task, ctx) => {
          started.resolve();
          // Runs until the worker gives the task up.
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          aborted = ctx.signal.reason;
          return "too late";
        },
      },
    });
    const timersBefore = activeTimers();
    await worker.start();
    const {
      task: { id },
    } = await orchestrator.trpc.tasks.submit.mutate({
      name: "stuck",
      type: "stuck",
      capabilities: ["stop"],
      // Its only attempt, and an hour's backoff: a hand-back that counted as a failure would
      // fail it for good, or keep it from the next agent for an hour.
      maxAttempts: 1,
      backoff: { baseS: 3600 },
    });
    await started.promise;
    await worker.stop({ graceMs: 50 });

    expect(aborted).toMatchObject({ message: "worker shutting down" });
    expect(worker.running).toBe(0);
    // Heartbeat, batching and backoff timers are all gone (fetch's own idle timers may go too).
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    // Back in the queue, ready now for another agent: not a failure.
    expect(await orchestrator.trpc.tasks.get.query({ id })).toMatchObject({
      state: "queued",
      attempts: 0,
      agentId: null,
      error: null,
    });
  });

  it("retries registration while the server cannot be reached, and stops cleanly", async () => {
    const worker = createAgentWorker({
      url: "http://127.0.0.1:9", // the discard port: nothing listens
      token: agentToken,
      name: "worker-nowhere",
      handlers: {},
    });
    const errors: string[] = [];
    worker.events.on("error", ({ during }) => errors.push(during));
    const starting = worker.start();
    await worker.events.waitFor("error");
    await worker.events.waitFor("error");
    await worker.stop({ graceMs: 0 });
    await starting;
    expect(errors.every((during) => during === "register")).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
