/**
 * `npx tsx scripts/eta-error.ts --url URL --token TOKEN [--minutes 10] [--every 5]`: how good is
 * the runs list's ETA? While `npm run demo` (or any fleet) works, it samples `workflows.list`
 * every few seconds, keeps each running run's predicted finish, and once the run has succeeded
 * compares every prediction with the actual finish. Prints one summary line; runs that failed
 * or were cancelled are left out (they end early, by design of the demo, not of the estimate).
 */
import { parseArgs } from "node:util";
import { createTaskManagerClient, type TaskManagerClient } from "@/sdk";
import { abortableSleep } from "@/sdk/worker/backoff";
import { median } from "@/server/workflows/eta";

export interface EtaErrorReport {
  runs: number;
  samples: number;
  /** |predicted − actual finish|, seconds. */
  medianAbsErrorS: number | null;
  p90AbsErrorS: number | null;
  /** |error| / time that was actually left when predicted. */
  medianRelativeError: number | null;
  /** Predicted − actual: positive when the ETA was late (pessimistic). */
  medianSignedErrorS: number | null;
}

interface Sample {
  at: number;
  predicted: number;
}

export async function measureEtaError(
  client: TaskManagerClient,
  options: { durationMs: number; everyMs: number; signal?: AbortSignal },
): Promise<EtaErrorReport> {
  const samples = new Map<string, Sample[]>();
  const finished = new Map<string, number>();
  const end = Date.now() + options.durationMs;
  while (Date.now() < end && !options.signal?.aborted) {
    const { items } = await client.listWorkflows({ limit: 200 });
    const at = Date.now();
    for (const run of items) {
      if (run.state === "running" && run.eta) {
        const list = samples.get(run.id) ?? [];
        list.push({ at, predicted: Date.parse(run.eta.finishAt) });
        samples.set(run.id, list);
      } else if (run.state === "succeeded" && run.finishedAt && samples.has(run.id)) {
        finished.set(run.id, Date.parse(run.finishedAt));
      }
    }
    await abortableSleep(options.everyMs, options.signal);
  }
  const errors: number[] = [];
  const relative: number[] = [];
  for (const [id, actual] of finished) {
    for (const sample of samples.get(id) ?? []) {
      errors.push((sample.predicted - actual) / 1000);
      const left = (actual - sample.at) / 1000;
      if (left > 0) relative.push(Math.abs(sample.predicted - actual) / 1000 / left);
    }
  }
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    runs: finished.size,
    samples: errors.length,
    medianAbsErrorS: round(median(abs)),
    p90AbsErrorS: round(abs[Math.floor(abs.length * 0.9)] ?? null),
    medianRelativeError: round(median(relative)),
    medianSignedErrorS: round(median(errors)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: process.env.TM_URL ?? "http://127.0.0.1:3000" },
      token: { type: "string", default: process.env.TM_TOKEN },
      minutes: { type: "string", default: "10" },
      every: { type: "string", default: "5" },
    },
  });
  if (!values.token) throw new Error("--token (or TM_TOKEN) is required: any role reads runs");
  const client = createTaskManagerClient({ url: values.url, token: values.token });
  const report = await measureEtaError(client, {
    durationMs: Number(values.minutes) * 60_000,
    everyMs: Number(values.every) * 1000,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
