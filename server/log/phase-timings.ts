import { AsyncLocalStorage } from "node:async_hooks";
import { appendFile } from "node:fs";

/**
 * Per-request phase timings for the benchmark's hop breakdown (`npm run bench -- --profile`):
 * with `TM_BENCH_PHASE_LOG` set to a file, each tRPC request that marked a phase appends one
 * JSON line `{ marks: { received, proc, "tx.begin", …, responded }, tasks }` (epoch ms, the
 * same clock as the bench's `performance.timeOrigin + performance.now()`).
 *
 * Unset (always, outside the benchmark) there is no AsyncLocalStorage and every call returns
 * at its first line: the normal path pays one property read per mark.
 */
const file = process.env.TM_BENCH_PHASE_LOG;

interface Phases {
  marks: Record<string, number>;
  /** Task ids the request finished or claimed, by what happened to them. */
  tasks: Record<string, string[]>;
}

const store = file ? new AsyncLocalStorage<Phases>() : undefined;
let buffered: string[] = [];

const at = () => performance.timeOrigin + performance.now();

/** Runs one request, recording its phases when the benchmark asked for them. */
export function withPhases<T>(handle: () => Promise<T>): Promise<T> {
  if (!store) return handle();
  const phases: Phases = { marks: { received: at() }, tasks: {} };
  return store.run(phases, async () => {
    try {
      return await handle();
    } finally {
      phases.marks.responded = at();
      if (Object.keys(phases.tasks).length > 0) write(JSON.stringify(phases));
    }
  });
}

/** Marks `name` now in the current request (the latest mark of a name wins). */
export function phase(name: string): void {
  if (!store) return;
  const phases = store.getStore();
  if (phases) phases.marks[name] = at();
}

/** Names the tasks the current request `kind` ("completed", "claimed"), for correlation. */
export function phaseTasks(kind: string, ids: readonly string[]): void {
  if (!store || ids.length === 0) return;
  const phases = store.getStore();
  if (phases) phases.tasks[kind] = [...(phases.tasks[kind] ?? []), ...ids];
}

// Written off the request's path, in batches.
function write(line: string): void {
  buffered.push(line);
  if (buffered.length > 1) return;
  setImmediate(() => {
    const lines = buffered;
    buffered = [];
    if (file) appendFile(file, `${lines.join("\n")}\n`, () => {});
  });
}
