import { describe, expect, it } from "vitest";
import { deferred } from "@/test/deferred";
import { setupWorkerServer } from "@/test/worker-server";
import { LeaseLostError, NonRetryableError } from "./errors";
import { createAgentWorker } from "./worker";

/* The worker's life over a real server: running, completing, failing, progress, cancel, stop.
   Leases whose answer the worker never saw: worker-orphans.test.ts. */

const fixture = setupWorkerServer();
const { startWorker, submitChain } = fixture;

const activeTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

async function events(taskId: string) {
  return (await fixture.orchestrator.trpc.tasks.events.query({ taskId })).items;
}

describe("the agent worker over HTTP", () => {
  it("runs a workflow a → b: both succeed with results, b starts after a completed", async () => {
    const worker = startWorker("dag", {
      handlers: {
        step: async (task) => ({ ran: task.name, payload: task.payload }),
      },
    });
    const completed: string[] = [];
    // The worker hears its completion's answer after the orchestrator may see the new state.
    const bothCompleted = new Promise<void>((resolve) =>
      worker.events.on("completed", ({ task }) => {
        completed.push(task.name);
        if (completed.length === 2) resolve();
      }),
    );
    await worker.start();

    const submitted = await fixture.orchestrator.submitWorkflow({
      name: "a then b",
      tasks: [
        { key: "a", name: "a", type: "step", capabilities: ["dag"], payload: { n: 1 } },
        { key: "b", name: "b", type: "step", capabilities: ["dag"], dependsOn: ["a"] },
      ],
    });
    const ids = Object.fromEntries(submitted.tasks.map((task) => [task.key, task.id]));
    const [a, b] = await Promise.all([
      fixture.orchestrator.waitForTask(ids.a ?? "", { timeoutMs: 20_000 }),
      fixture.orchestrator.waitForTask(ids.b ?? "", { timeoutMs: 20_000 }),
    ]);

    expect(a).toMatchObject({ state: "succeeded", result: { ran: "a", payload: { n: 1 } } });
    expect(b).toMatchObject({ state: "succeeded", result: { ran: "b", payload: {} } });
    await bothCompleted;
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
        ids.map((id) => fixture.orchestrator.waitForTask(id, { timeoutMs: 20_000 })),
      );

      expect(done.map((task) => task.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
      // With one slot, a finished task's slot waits for its completion's answer.
      const expected = claimOnComplete ? "tasks.completeMany" : "agents.claim";
      expect(ids.slice(1).map((id) => handedOutBy.get(id))).toEqual([expected, expected]);
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
    } = await fixture.orchestrator.trpc.tasks.submit.mutate({
      name: "doomed",
      type: "broken",
      capabilities: ["fatal"],
      maxAttempts: 5,
    });

    expect(await failed).toMatchObject({ task: { id }, retryable: false });
    const task = await fixture.orchestrator.trpc.tasks.get.query({ id });
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
      const { task } = await fixture.orchestrator.trpc.tasks.submit.mutate({
        name,
        type: "broken",
        capabilities: ["fails-then-claims"],
      });
      ids.push(task.id);
    }
    const done = await Promise.all(
      ids.map((id) => fixture.orchestrator.waitForTask(id, { timeoutMs: 20_000 })),
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
    } = await fixture.orchestrator.trpc.tasks.submit.mutate({
      name: "nobody's",
      type: "mystery",
      capabilities: ["unknown"],
    });
    expect(await failed).toMatchObject({ task: { id }, retryable: false });
    expect(await fixture.orchestrator.trpc.tasks.get.query({ id })).toMatchObject({
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
    } = await fixture.orchestrator.trpc.tasks.submit.mutate({
      name: "with progress",
      type: "long",
      capabilities: ["progress"],
    });
    await reported.promise;

    expect(await fixture.orchestrator.trpc.tasks.get.query({ id })).toMatchObject({
      state: "running",
      progress: 0.5,
      progressStep: "halfway",
      progressMessage: "3 of 6 files",
    });
    finish.resolve();
    expect(await fixture.orchestrator.waitForTask(id, { timeoutMs: 10_000 })).toMatchObject({
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
      const { workflow, tasks } = await fixture.orchestrator.submitWorkflow({
        name: `cancelled via ${via}`,
        tasks: [{ key: "a", name: "a", type: "long", capabilities: [`cancel-${via}`] }],
      });
      await started.promise;
      const lost = worker.events.waitFor("error");
      expect(await fixture.orchestrator.cancelWorkflow(workflow.id, "no longer needed")).toEqual({
        id: workflow.id,
        cancelled: 1,
      });
      cancelled.resolve();
      expect(await lost).toMatchObject({ during: via, taskId: tasks[0]?.id });
      await handlerEnded.promise;
      expect(aborted).toBeInstanceOf(LeaseLostError);
      if (via === "progress") expect(progressError).toBeInstanceOf(LeaseLostError);
      await worker.stop({ graceMs: 1000 });
      expect(
        await fixture.orchestrator.trpc.tasks.get.query({ id: tasks[0]?.id as string }),
      ).toMatchObject({ state: "cancelled", result: null, cancelReason: "no longer needed" });
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
    } = await fixture.orchestrator.trpc.tasks.submit.mutate({
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
    expect(await fixture.orchestrator.trpc.tasks.get.query({ id })).toMatchObject({
      state: "queued",
      attempts: 0,
      agentId: null,
      error: null,
    });
  });

  it("retries registration while the server cannot be reached, and stops cleanly", async () => {
    const worker = createAgentWorker({
      url: "http://127.0.0.1:9", // the discard port: nothing listens
      token: "tm_never_sent", // nothing answers it
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
