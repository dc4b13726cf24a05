import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import postgres from "postgres";
import { figure, quantile } from "./stats";

/**
 * How fast this machine is right now, beside the figures it produced. The hop, the claims and
 * the fan-out are chains of hand-offs between processes, and on this shared two-core machine the
 * cost of a hand-off has moved by a third within an afternoon with the code unchanged: printed
 * at the start and the end of a run, these tell a reader which state the figures came from.
 *
 * - `machine_pg_round_trip_<when>_us`: p50 of a prepared `select 1` on one connection, the
 *   smallest hand-off to PostgreSQL and back (a hop makes several);
 * - `machine_pg_round_trip_idle_<when>_us`: the same after 5 ms in which neither side ran, as
 *   each process of a hop waits between its turns. On a virtual machine an idle CPU halts, and
 *   waking a process on it waits for the host to run that CPU again: this is the price of a
 *   hop's hand-offs, and it is what moves between a fast state and a slow one (back to back
 *   60–100 µs here, after 5 ms idle 330–750 µs);
 * - `machine_fdatasync_<when>_us`: p50 of an 8 KiB write and fdatasync in the temporary
 *   directory, what each commit waits for.
 */
export async function printMachineGauge(pgUrl: string, when: "start" | "end"): Promise<void> {
  figure(`machine_pg_round_trip_${when}_us`, await pgRoundTripUs(pgUrl), "us");
  figure(`machine_pg_round_trip_idle_${when}_us`, await pgRoundTripUs(pgUrl, IDLE_MS), "us");
  figure(`machine_fdatasync_${when}_us`, fdatasyncUs(), "us");
}

/** The idle spell before each round trip of the idle gauge: about a hop's, long enough to halt. */
const IDLE_MS = 5;

/** p50 of a `select 1` round trip; with `idleMs`, each after that long asleep (fewer samples). */
async function pgRoundTripUs(pgUrl: string, idleMs = 0): Promise<number> {
  const sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
  try {
    const times: number[] = [];
    // The first round trips warm the connection and the JIT.
    const [warmUp, measured] = idleMs > 0 ? [50, 300] : [200, 2_000];
    for (let i = 0; i < warmUp + measured; i++) {
      if (idleMs > 0) await delay(idleMs);
      const started = performance.now();
      await sql`select 1`;
      if (i >= warmUp) times.push((performance.now() - started) * 1000);
    }
    return quantile(times, 0.5);
  } finally {
    await sql.end();
  }
}

function fdatasyncUs(): number {
  const file = path.join(os.tmpdir(), `tm-bench-fdatasync-${process.pid}`);
  const fd = openSync(file, "w");
  try {
    const block = Buffer.alloc(8192, 1);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      writeSync(fd, block, 0, block.length, (i % 16) * block.length);
      const started = performance.now();
      fdatasyncSync(fd);
      times.push((performance.now() - started) * 1000);
    }
    return quantile(times, 0.5);
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}
