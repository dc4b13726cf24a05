import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Transaction } from "@/db/client";
import { queryRows } from "@/db/rows";
import { agentStatusEnum } from "@/db/schema/agents";
import type { AgentStatus } from "@/server/metrics/agent-status";
import { currentUtilisation } from "@/server/metrics/utilisation-current";
import { uuidArray } from "@/server/tasks/sql";
import { type AgentCell, type HistCell, rollupCells, tailCells } from "./cells";
import { addHistograms, HISTOGRAM_BUCKETS, histogramQuantile } from "./histogram";
import { QUEUE_DEPTH_STATES, queueDepthNow } from "./queue-depth";
import { type OverviewRange, rangeWindow } from "./ranges";
import { bucketStartSql, readWatermark } from "./rollup";

/** Types with a row in the per-type charts; the rest are in the totals only. */
export const TOP_TYPES = 8;
const TOP_AGENTS = 8;
const TOP_POOLS = 8;

export interface OverviewParams {
  range: OverviewRange;
  /** Epoch ms; tests pin it. */
  now?: number;
}

export interface Overview {
  range: OverviewRange;
  stepMs: number;
  fromMs: number;
  toMs: number;
  /** False until the first task is submitted: the page shows its guide instead. */
  hasTasks: boolean;
  /** Per bucket: claims, and tasks that succeeded or failed for good. */
  throughput: { at: number; started: number; succeeded: number; failed: number }[];
  /** Queued → claimed, of the claims in each bucket; seconds, null when there were none. */
  waitTime: { at: number; p50: number | null; p95: number | null }[];
  /** Every unfinished task state, and per bucket its average sampled count (now in the last). */
  queueDepth: { states: string[]; points: { at: number; counts: Record<string, number | null> }[] };
  /** The busiest types over the range; run time in seconds. */
  types: {
    type: string;
    started: number;
    succeeded: number;
    failed: number;
    /** failed / (succeeded + failed), null when none ended. */
    failureRate: number | null;
    runP50: number | null;
    runP95: number | null;
  }[];
  totals: {
    started: number;
    succeeded: number;
    failed: number;
    waitP50: number | null;
    waitP95: number | null;
  };
  /** Most claims and ends over the range, with the tasks each runs now. */
  agents: {
    id: string;
    name: string | null;
    status: AgentStatus | null;
    started: number;
    finished: number;
    running: number;
  }[];
  /** Pools by share of capacity held now. */
  pools: { name: string; held: number; capacity: number; ratio: number }[];
}

/**
 * The overview's figures over a range, from the rollup plus the events after its watermark
 * (read in one snapshot, so none is counted twice or missed), the queue-depth samples with
 * the counts now as the last point, and pools as they stand. Cost: the rollup's rows in the
 * range and a bounded tail, whatever the number of tasks.
 */
export async function readOverview(db: Database, params: OverviewParams): Promise<Overview> {
  const toMs = params.now ?? Date.now();
  const window = rangeWindow(params.range, toMs);
  const snapshot = db.transaction(
    async (tx) => {
      const watermark = await readWatermark(tx);
      const rollup = await rollupCells(tx, window.fromMs, window.stepMs);
      const tail = await tailCells(tx, watermark, window.fromMs, window.stepMs);
      const depth = await depthSamples(tx, window.fromMs, window.stepMs);
      const agents = await agentRows(tx, mergeAgents([rollup.agents, tail.agents]));
      const [flags] = await queryRows(
        tx,
        "overview has tasks",
        z.object({ has_tasks: z.boolean() }),
        sql`select exists (select 1 from tasks) as has_tasks`,
      );
      return { cells: [rollup, tail], depth, agents, hasTasks: flags?.has_tasks ?? false };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
  // What stands now needs no snapshot: read beside it, on other connections of the pool.
  const [read, depthNow, usage] = await Promise.all([
    snapshot,
    queueDepthNow(db),
    currentUtilisation(db),
  ]);

  const cells = read.cells;
  const throughput = window.buckets.map((at) => ({ at, started: 0, succeeded: 0, failed: 0 }));
  const index = new Map(window.buckets.map((at, i) => [at, i]));
  const types = new Map<string, { started: number; succeeded: number; failed: number }>();
  for (const cell of cells.flatMap((c) => c.counts)) {
    const point = throughput[index.get(Number(cell.at)) ?? -1];
    if (point) {
      point.started += cell.started;
      point.succeeded += cell.succeeded;
      point.failed += cell.failed;
    }
    const type = types.get(cell.type) ?? { started: 0, succeeded: 0, failed: 0 };
    type.started += cell.started;
    type.succeeded += cell.succeeded;
    type.failed += cell.failed;
    types.set(cell.type, type);
  }

  const waitByAt = histogramsBy(cells.flatMap((c) => c.waitByAt));
  const waitAll = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
  for (const counts of waitByAt.values()) addHistograms(waitAll, counts);
  const runByType = histogramsBy(cells.flatMap((c) => c.runByType));

  const totals = { started: 0, succeeded: 0, failed: 0 };
  for (const point of throughput) {
    totals.started += point.started;
    totals.succeeded += point.succeeded;
    totals.failed += point.failed;
  }
  const topTypes = [...types.entries()]
    .sort(([a, x], [b, y]) => volume(y) - volume(x) || a.localeCompare(b))
    .slice(0, TOP_TYPES)
    .map(([type, counts]) => {
      const run = runByType.get(type) ?? [];
      const ended = counts.succeeded + counts.failed;
      return {
        type,
        ...counts,
        failureRate: ended === 0 ? null : counts.failed / ended,
        runP50: histogramQuantile(run, 0.5),
        runP95: histogramQuantile(run, 0.95),
      };
    });

  const lastAt = window.buckets.at(-1);
  return {
    range: params.range,
    stepMs: window.stepMs,
    fromMs: window.fromMs,
    toMs,
    hasTasks: read.hasTasks,
    throughput,
    waitTime: window.buckets.map((at) => {
      const counts = waitByAt.get(at) ?? [];
      return { at, p50: histogramQuantile(counts, 0.5), p95: histogramQuantile(counts, 0.95) };
    }),
    queueDepth: {
      states: QUEUE_DEPTH_STATES,
      points: window.buckets.map((at) => ({
        at,
        counts: Object.fromEntries(
          QUEUE_DEPTH_STATES.map((state) => [
            state,
            at === lastAt ? (depthNow[state] ?? 0) : (read.depth.get(`${at}:${state}`) ?? null),
          ]),
        ),
      })),
    },
    types: topTypes,
    totals: {
      ...totals,
      waitP50: histogramQuantile(waitAll, 0.5),
      waitP95: histogramQuantile(waitAll, 0.95),
    },
    agents: read.agents,
    pools: usage.pools
      .map((pool) => ({
        name: pool.resource,
        held: pool.held,
        capacity: pool.capacity,
        ratio: pool.ratio,
      }))
      .sort((a, b) => b.ratio - a.ratio || a.name.localeCompare(b.name))
      .slice(0, TOP_POOLS),
  };
}

const volume = (c: { started: number; succeeded: number; failed: number }) =>
  c.started + c.succeeded + c.failed;

function histogramsBy(cells: HistCell[]): Map<number | string, number[]> {
  const byKey = new Map<number | string, number[]>();
  for (const cell of cells) {
    const key = typeof cell.key === "string" ? cell.key : Number(cell.key);
    const counts = byKey.get(key) ?? new Array<number>(HISTOGRAM_BUCKETS).fill(0);
    counts[cell.bucket] = (counts[cell.bucket] ?? 0) + Number(cell.count);
    byKey.set(key, counts);
  }
  return byKey;
}

function mergeAgents(lists: AgentCell[][]): AgentCell[] {
  const byId = new Map<string, AgentCell>();
  for (const cell of lists.flat()) {
    const agent = byId.get(cell.agentId) ?? { agentId: cell.agentId, started: 0, finished: 0 };
    agent.started += cell.started;
    agent.finished += cell.finished;
    byId.set(cell.agentId, agent);
  }
  return [...byId.values()]
    .sort((a, b) => b.started + b.finished - (a.started + a.finished))
    .slice(0, TOP_AGENTS);
}

async function agentRows(tx: Transaction, top: AgentCell[]): Promise<Overview["agents"]> {
  if (top.length === 0) return [];
  const rows = await queryRows(
    tx,
    "overview agents",
    z.object({
      id: z.string(),
      name: z.string(),
      status: z.enum(agentStatusEnum.enumValues),
      running: z.number(),
    }),
    sql`select a.id, a.name, a.status,
        (select count(*) from tasks t where t.agent_id = a.id and t.state = 'running')::int as running
      from agents a where a.id = any(${uuidArray(top.map((agent) => agent.agentId))})`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return top.map((agent) => {
    const row = byId.get(agent.agentId);
    return {
      id: agent.agentId,
      name: row?.name ?? null,
      status: row?.status ?? null,
      started: agent.started,
      finished: agent.finished,
      running: row?.running ?? 0,
    };
  });
}

/** Average sampled depth per chart bucket and state, keyed `${at}:${state}`. */
async function depthSamples(
  tx: Transaction,
  fromMs: number,
  stepMs: number,
): Promise<Map<string, number>> {
  const rows = await queryRows(
    tx,
    "queue depth samples",
    z.object({ at: z.number(), state: z.string(), count: z.number() }),
    sql`
    select (extract(epoch from ${bucketStartSql(sql`minute`, stepMs / 1000)}) * 1000)::float8 as at,
      state::text as state, round(avg(count))::int as count
    from queue_depth_samples where minute >= to_timestamp(${fromMs / 1000}::float8)
    group by 1, 2`,
  );
  return new Map(rows.map((row) => [`${Number(row.at)}:${row.state}`, row.count]));
}
