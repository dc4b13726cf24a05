import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
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
 * - `machine_fdatasync_<when>_us`: p50 of an 8 KiB write and fdatasync in the temporary
 *   directory, what each commit waits for.
 */
export async function printMachineGauge(pgUrl: string, when: "start" | "end"): Promise<void> {
  figure(`machine_pg_round_trip_${when}_us`, await pgRoundTripUs(pgUrl), "us");
  figure(`machine_fdatasync_${when}_us`, fdatasyncUs(), "us");
}

async function pgRoundTripUs(pgUrl: string): Promise<number> {
  const sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
  try {
    const times: number[] = [];
    for (let i = 0; i < 2_200; i++) {
      const started = performance.now();
      await sql`select 1`;
      // The first 200 warm the connection and the JIT.
      if (i >= 200) times.push((performance.now() - started) * 1000);
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
