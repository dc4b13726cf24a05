import { describe, expect, it } from "vitest";
import { deferred } from "@/test/deferred";
import { setupWorkerServer } from "@/test/worker-server";

/* Leases that reached the server but not the worker (a lost answer), and those the worker must
   never hand back however often a heartbeat lists them (sdk/worker/orphans.ts). */

const fixture = setupWorkerServer();
const { startWorker, submitChain } = fixture;

describe("the agent worker's orphaned leases", () => {
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
      } = await fixture.orchestrator.trpc.tasks.submit.mutate({
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
        const { task } = await fixture.orchestrator.trpc.tasks.submit.mutate({
          name: "orphan",
          type: "step",
          capabilities: [capability],
          ...once,
        });
        orphan = task.id;
      } else {
        const { tasks } = await fixture.orchestrator.submitWorkflow({
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
      expect(await fixture.orchestrator.trpc.tasks.get.query({ id: orphan })).toMatchObject({
        state: "queued",
        attempts: 0,
        agentId: null,
        error: null,
      });
      // The task the worker runs kept its lease all along.
      expect(await fixture.orchestrator.trpc.tasks.get.query({ id: steady })).toMatchObject({
        state: "running",
        agentId: worker.agentId,
      });

      claimsOpen = true;
      expect(await fixture.orchestrator.waitForTask(orphan, { timeoutMs: 20_000 })).toMatchObject({
        state: "succeeded",
        attempts: 1,
        result: { ran: "orphan" },
      });
      finishSteady.resolve();
      expect(await fixture.orchestrator.waitForTask(steady, { timeoutMs: 20_000 })).toMatchObject({
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
        submitted.tasks.map((task) =>
          fixture.orchestrator.waitForTask(task.id, { timeoutMs: 60_000 }),
        ),
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
});
