import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { SourceMap, type SourceMapping } from "node:module";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { type BenchEnvironment, repoRoot, startBenchEnvironment } from "./setup";
import { log } from "./stats";

/** Server settings that make pg_stat_statements available (bench --profile only). */
export const PROFILE_PG_SETTINGS = {
  shared_preload_libraries: "pg_stat_statements",
  "pg_stat_statements.track": "top",
  // Planning shows apart from execution: a statement planned afresh each call costs the hop.
  "pg_stat_statements.track_planning": "on",
};

export async function resetStatements(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`select pg_stat_statements_reset()`;
  } finally {
    await sql.end();
  }
}

/** The statements that took the most database time since the reset, as `# pg:` lines. */
export async function logTopStatements(url: string, limit = 15): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<
      { total: number; calls: number; mean: number; plan: number; rows: number; query: string }[]
    >`
      select total_exec_time::float8 as total, calls::int, mean_exec_time::float8 as mean,
        mean_plan_time::float8 as plan, rows::int, query
      from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())
      order by total_exec_time desc limit ${limit}`;
    for (const row of rows) {
      const query = row.query.replace(/\s+/g, " ").slice(0, 160);
      log(
        `pg: ${row.total.toFixed(0)} ms total, ${row.calls} calls, ${row.mean.toFixed(2)} ms mean (+ ${row.plan.toFixed(2)} planning), ${row.rows} rows: ${query}`,
      );
    }
  } finally {
    await sql.end();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

/**
 * Where a sample really was: Next bundles drizzle, zod and tRPC into minified chunks, so the
 * chunk's source map (Node's own SourceMap, no dependency) names the original file.
 */
function createResolver() {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (url: string) => {
    if (!maps.has(url)) {
      const file = `${url.replace(/^file:\/\//, "")}.map`;
      maps.set(
        url,
        existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : undefined,
      );
    }
    return maps.get(url);
  };
  return (frame: ProfileNode["callFrame"]) => {
    const found = frame.url.includes("/.next/")
      ? mapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber)
      : undefined;
    // An empty object when the position has no mapping.
    const entry = found && "originalSource" in found ? (found as SourceMapping) : undefined;
    const source = entry?.originalSource ?? (frame.url || "(native)");
    const line = entry?.originalLine ?? frame.lineNumber;
    const file = source.replace(/^.*node_modules\//, "").replace(/^(\.\.\/)+/, "");
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
    return {
      pkg: pkg ?? (source.startsWith("node:") ? "node" : frame.url ? "app" : frame.functionName),
      where: `${frame.functionName || "(anonymous)"} ${file}:${line + 1}`,
    };
  };
}

/** Environment that preloads cpu-profiler.cjs into the server (and the launcher, harmlessly). */
function cpuProfilerEnv(dir: string): Record<string, string> {
  const preload = path.join(path.dirname(fileURLToPath(import.meta.url)), "cpu-profiler.cjs");
  return { NODE_OPTIONS: `--require ${preload}`, TM_BENCH_CPU_PROFILE_DIR: dir };
}

/** Environment that makes the server log each request's phases (server/log/phase-timings.ts). */
function phaseLogEnv(file: string): Record<string, string> {
  return { TM_BENCH_PHASE_LOG: file };
}

export interface ProfiledServer {
  /** Where the server writes its CPU profiles (logCpuProfile reads them). */
  dir: string;
  /** The server's phase log (hop-profile.ts reads it). */
  phaseFile: string;
  pid: number;
}

/**
 * `run` on a fresh environment whose server preloads the CPU profiler and writes the phase
 * log, both into a scratch folder under .test-data that is removed afterwards.
 */
export async function withProfiledServer(
  options: { pgSettings?: Record<string, string> },
  run: (env: BenchEnvironment, server: ProfiledServer) => Promise<void>,
): Promise<void> {
  // A fresh clone has no .test-data yet.
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const dir = await mkdtemp(path.join(repoRoot, ".test-data", "bench-profile-"));
  try {
    const phaseFile = path.join(dir, "phases.jsonl");
    const env = await startBenchEnvironment({
      pgSettings: options.pgSettings,
      serverEnv: { ...cpuProfilerEnv(dir), ...phaseLogEnv(phaseFile) },
    });
    try {
      const pid = env.serverPid();
      if (pid === undefined) throw new Error("the server's pid file is missing");
      await run(env, { dir, phaseFile, pid });
    } finally {
      await env.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts, or stops and writes, the server's profile (see cpu-profiler.cjs). */
export function toggleCpuProfile(pid: number): void {
  process.kill(pid, "SIGUSR2");
}

/** Waits for the `n`th profile the server wrote (another process: bounded polling). */
async function readProfile(dir: string, pid: number, n: number) {
  const file = path.join(dir, `${pid}-${n}.cpuprofile`);
  for (let attempt = 0; attempt < 100 && !existsSync(file); attempt++) await delay(100);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, "utf8")) as { nodes: ProfileNode[] };
}

/**
 * Self time by package and by function in the server's profile, as `# cpu:` lines. Idle time
 * is left out: the shares are of the time the server was busy.
 */
export async function logCpuProfile(
  dir: string,
  pid: number,
  n: number,
  label: string,
  limit = 20,
): Promise<void> {
  const profile = await readProfile(dir, pid, n);
  if (!profile) return log(`cpu ${label}: no profile ${n} of pid ${pid} in ${dir}`);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const resolve = createResolver();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  // Native and node: frames (socket writes, JSON, streams) count for the library that called them.
  const caller = (node: ProfileNode) => {
    let up: ProfileNode | undefined = node;
    while (up && (!up.callFrame.url || up.callFrame.url.startsWith("node:")))
      up = parent.get(up.id);
    return up ? resolve(up.callFrame) : undefined;
  };
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (node.callFrame.functionName === "(idle)" || hits === 0 || !byId.has(node.id)) continue;
    busy += hits;
    const own = resolve(node.callFrame);
    const internal = !node.callFrame.url || node.callFrame.url.startsWith("node:");
    const by = internal ? caller(node) : undefined;
    const where = by ? `${own.where} ← ${by.where}` : own.where;
    const pkg = by?.pkg ?? own.pkg;
    byFunction.set(where, (byFunction.get(where) ?? 0) + hits);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
  }
  const share = (hits: number) => `${((hits / busy) * 100).toFixed(1)} %`;
  const top = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, limit);
  log(`cpu ${label}: server busy ${busy} ms; by package (with the node internals it called):`);
  for (const [pkg, hits] of top(byPackage)) log(`cpu ${label}: ${share(hits)} ${pkg}`);
  log(`cpu ${label}: by function (self time):`);
  for (const [key, hits] of top(byFunction)) log(`cpu ${label}: ${share(hits)} ${key}`);
}
