import { beforeAll, expect, it } from "vitest";
import { setupWorkerServer } from "@/test/worker-server";
import type { AgentWorker } from "./worker";

/* ctx.log and console capture through a real server: lines land in the right task's log. */

const fixture = setupWorkerServer();
let worker: AgentWorker | undefined;

beforeAll(async () => {
  worker = fixture.startWorker("logs", {
    name: "logging worker",
    concurrency: 2,
    captureConsole: true,
    handlers: {
      chatty: async (task, ctx) => {
        const name = (task.payload as { name: string }).name;
        ctx.log.info(`${name} starts`, { name });
        // Both tasks run at once: each console line must land in its own task's log.
        await new Promise((resolve) => setImmediate(resolve));
        console.log("%s says %d", name, 42);
        await Promise.resolve();
        console.error(`${name} \u0000 complains`);
        ctx.log.debug(`${name} done`);
        return { name };
      },
    },
  });
  await worker.start();
}, 600_000);

it("sends ctx.log lines and captured console output to each task's log before its outcome", async () => {
  const submit = (name: string) =>
    fixture.orchestrator.trpc.tasks.submit.mutate({
      name,
      type: "chatty",
      capabilities: ["logs"],
      payload: { name },
    });
  const finished = new Set<string>();
  const bothCompleted = new Promise<void>((resolve) => {
    worker?.events.on("completed", ({ task }) => {
      finished.add(task.id);
      if (finished.size === 2) resolve();
    });
  });
  const [a, b] = await Promise.all([submit("alpha"), submit("beta")]);
  await bothCompleted;
  for (const [id, name] of [
    [a.task.id, "alpha"],
    [b.task.id, "beta"],
  ] as const) {
    // Completion is reported after the task's lines were accepted: they are all there now.
    const page = await fixture.orchestrator.trpc.tasks.logs.query({ taskId: id, limit: 100 });
    expect(page.lines.map((line) => [line.level, line.message])).toEqual([
      ["info", `${name} starts`],
      ["info", `${name} says 42`],
      ["error", `${name} \uFFFD complains`],
      ["debug", `${name} done`],
    ]);
    expect(page.lines[0]?.fields).toEqual({ name });
    expect(page.attempts).toEqual([1]);
  }
});
