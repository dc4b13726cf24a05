import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { col, queryRows } from "@/db/rows";
import { bucketBoundsMs, HISTOGRAM_BUCKETS } from "./histogram";

/**
 * The rollup's buckets exposed as `le` bounds: every fourth √2 step, so 1 ms, 4 ms, 16 ms …
 * about 12 days (16 bounds and +Inf per type). Coarser than the rollup, to keep series few.
 */
const EXPOSED = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => i).filter(
  (i) => i % 4 === 0 && i < HISTOGRAM_BUCKETS - 1,
);

// The histograms are bigint[], which a raw statement returns as strings.
const totalsRow = z.object({
  type: z.string(),
  wait_sum_ms: z.number(),
  wait_hist: z.array(col.number()),
  run_sum_ms: z.number(),
  run_hist: z.array(col.number()),
});

const escapeLabel = (value: string) =>
  value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');

/**
 * `tm_task_wait_time_seconds` and `tm_task_run_time_seconds` as Prometheus histograms per task
 * type, from task_type_totals: counted since the rollup began and never pruned, so they only
 * grow and rate() works. Types are capped where the rollup writes them (TYPE_TOTALS_CAP, then
 * `_other`), which bounds the label's cardinality. Written as text: prom-client's Histogram
 * only takes single observations, and these are sums the database already holds.
 */
export async function renderDurationHistograms(db: Executor): Promise<string> {
  const rows = await queryRows(
    db,
    "task type totals",
    totalsRow,
    sql`
    select type, wait_sum_ms, wait_hist, run_sum_ms, run_hist from task_type_totals order by type`,
  );
  if (rows.length === 0) return "";
  const wait = histogram(
    "tm_task_wait_time_seconds",
    "Queue wait (queued to claimed) per task type, since the rollup began.",
    rows.map((row) => ({ type: row.type, sumMs: row.wait_sum_ms, counts: row.wait_hist })),
  );
  const run = histogram(
    "tm_task_run_time_seconds",
    "Run time (claimed to succeeded or failed) per task type, since the rollup began.",
    rows.map((row) => ({ type: row.type, sumMs: row.run_sum_ms, counts: row.run_hist })),
  );
  return `${wait}${run}`;
}

function histogram(
  name: string,
  help: string,
  series: { type: string; sumMs: number; counts: (string | number)[] }[],
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const { type, sumMs, counts } of series) {
    const label = `type="${escapeLabel(type)}"`;
    const values = counts.map(Number);
    let cumulative = 0;
    let next = 0;
    for (const index of EXPOSED) {
      while (next <= index) cumulative += values[next++] ?? 0;
      const le = bucketBoundsMs(index).upper / 1000;
      lines.push(`${name}_bucket{${label},le="${le}"} ${cumulative}`);
    }
    const total = values.reduce((sum, count) => sum + count, 0);
    lines.push(`${name}_bucket{${label},le="+Inf"} ${total}`);
    lines.push(`${name}_sum{${label}} ${sumMs / 1000}`);
    lines.push(`${name}_count{${label}} ${total}`);
  }
  return `${lines.join("\n")}\n`;
}
