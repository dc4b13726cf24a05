/**
 * The paced loggers of `--only logs`, in a process of their own (logs.ts starts it): making
 * 60,000 lines a second is work, and in the benchmark's own process it would delay the
 * steady fleet's claims and clocks it is there to measure. Reads its parameters from
 * BENCH_LOG_LOAD (JSON), prints "ready" once its workers run, and stops them when its stdin
 * closes.
 */
import { createAgentWorker } from "@/sdk";
import { now } from "./stats";

interface LogLoadParams {
  url: string;
  token: string;
  capability: string;
  workers: number;
  /** Lines per second between all handlers. */
  logRate: number;
  linesPerTask: number;
}

const params = JSON.parse(process.env.BENCH_LOG_LOAD ?? "{}") as LogLoadParams;
let stopped = false;
let sent = 0;
const started = now();
let errors = 0;

const workers = Array.from({ length: params.workers }, (_, index) =>
  createAgentWorker({
    url: params.url,
    token: params.token,
    name: `${params.capability}-${index + 1}`,
    capabilities: [params.capability],
    concurrency: 25,
    claimBatch: 25,
    completeBatchMs: 2,
    handlers: {
      paced: async (task, ctx) => {
        for (let i = 0; i < params.linesPerTask && !stopped; ) {
          const owed = Math.floor((params.logRate * (now() - started)) / 1000) - sent;
          if (owed <= 0) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            continue;
          }
          // Behind the pace: the lines owed go at once, a few hundred at a time.
          const burst = Math.min(owed, 200, params.linesPerTask - i);
          sent += burst;
          for (let k = 0; k < burst; k++, i++) {
            ctx.log.info(`step ${i} of ${task.id}: processed a chunk of the input`, { i });
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        return null;
      },
    },
  }),
);
for (const worker of workers) worker.events.on("error", () => errors++);

await Promise.all(workers.map((worker) => worker.start()));
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("end", async () => {
  stopped = true;
  await Promise.all(workers.map((worker) => worker.stop({ graceMs: 1_000 })));
  process.stdout.write(`${JSON.stringify({ sent, errors })}\n`);
  process.exit(0);
});
