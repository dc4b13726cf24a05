import { readFile, writeFile } from "node:fs/promises";
import type { WorkflowInput } from "@/sdk";
import { createNodeFetch } from "@/sdk/node-fetch";
import { startFleet } from "./fleet";
import { cpuMeter } from "./process-cpu";
import type { BenchEnvironment } from "./setup";
import { log, now, quantile } from "./stats";

/**
 * Where a chain hop's milliseconds go (`--profile`): the server started with
 * TM_BENCH_PHASE_LOG writes each request's phase marks (server/log/phase-timings.ts); the
 * workers' fetch records when each request left and its answer arrived; the handlers record
 * their start and end. Matched by task id, each hop parent → child splits into the table's
 * rows. Both processes read the same clock (performance.timeOrigin + now()).
 *
 * Each process's CPU time per hop follows the table: a hop waits for the server, PostgreSQL
 * and the worker in turn, so their CPU (and what else runs on the two cores meanwhile) bounds
 * how short it can be.
 */

interface ClientCall {
  path: string;
  sent: number;
  received: number;
  /** Task ids the request completed (completeMany) or the answer handed out (claim). */
  completes: string[];
  claims: string[];
}

interface ServerCall {
  marks: Record<string, number>;
  tasks: { completed?: string[]; claimed?: string[] };
}

export interface HopProfileParams {
  chain: number;
  workers: number;
  concurrency: number;
  claimOnComplete: boolean;
  timeoutMs: number;
}

/** Runs a chain with the phase log on and prints the breakdown table as `# hop:` lines. */
export async function runHopProfile(
  env: BenchEnvironment,
  phaseLog: string,
  params: HopProfileParams,
) {
  const calls: ClientCall[] = [];
  // The SDK's own transport, timed around.
  const nodeFetch = createNodeFetch();
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const path = url.slice(url.lastIndexOf("/") + 1).split("?")[0] ?? "";
    const sent = now();
    const response = await nodeFetch(input, init);
    const received = now();
    if (path === "tasks.completeMany" || path === "agents.claim") {
      const body = typeof init?.body === "string" ? init.body : "";
      const answer = (await response.clone().json()) as { result?: { data?: unknown } };
      const data = answer.result?.data as { tasks?: { id: string }[] } | undefined;
      calls.push({
        path,
        sent,
        received,
        completes: [...body.matchAll(/"taskId":"([0-9a-f-]{36})"/g)].map((m) => m[1] ?? ""),
        claims: (data?.tasks ?? []).map((task) => task.id),
      });
    }
    return response;
  };
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const fleet = await startFleet(env, {
    name: "bench-hops",
    size: params.workers,
    concurrency: params.concurrency,
    claimOnComplete: params.claimOnComplete,
    fetch: recordingFetch,
    handlers: {
      link: async (task) => {
        started.set(task.id, now());
        ended.set(task.id, now());
      },
    },
  });
  let ids: string[];
  let spent: { cpu: { serverMs: number; postgresMs: number }; workers: NodeJS.CpuUsage };
  try {
    const tasks: WorkflowInput["tasks"] = Array.from({ length: params.chain }, (_, i) => ({
      key: `h${i}`,
      name: `h${i}`,
      type: "link",
      capabilities: ["bench-hops"],
      dependsOn: i === 0 ? [] : [`h${i - 1}`],
    }));
    const done = fleet.completions(tasks.length, params.timeoutMs);
    const cpu = await cpuMeter(env.postgres.url, env.serverPid());
    const workersBefore = process.cpuUsage();
    const submitted = await env.orchestrator.submitWorkflow({ name: "hops", tasks });
    await done;
    spent = { cpu: cpu(), workers: process.cpuUsage(workersBefore) };
    const byKey = new Map(submitted.tasks.map((task) => [task.key, task.id]));
    ids = tasks.map((task) => byKey.get(task.key) ?? "");
  } finally {
    await fleet.stop();
  }
  // The server appends its lines off the request path: give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  // Each run reads its own lines: the file is emptied after.
  const text = await readFile(phaseLog, "utf8");
  await writeFile(phaseLog, "");
  const server = text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ServerCall);
  const table = breakdown(ids, { started, ended }, calls, server);
  logCpuPerHop(spent.cpu, spent.workers, params.chain - 1);
  return table;
}

/**
 * The CPU each process spent per hop, from the chain's submit to its last completion: the
 * server, PostgreSQL (all its processes: the hops' backends, the listener's, the WAL writer…)
 * and this process, which runs the workers (and the phase timing's own bookkeeping).
 */
function logCpuPerHop(
  cpu: { serverMs: number; postgresMs: number },
  workers: NodeJS.CpuUsage,
  hops: number,
) {
  const perHop = (ms: number) => (ms / hops).toFixed(2);
  const workersMs = (workers.user + workers.system) / 1000;
  log(
    `hop: CPU per hop: server ${perHop(cpu.serverMs)} ms, PostgreSQL ${perHop(cpu.postgresMs)} ms, workers ${perHop(workersMs)} ms (/proc ticks of 10 ms, over ${hops} hops)`,
  );
}

const ROWS = [
  ["handler end → completion request sent (SDK batching)", "batching"],
  ["request sent → route entered (HTTP, Next)", "httpIn"],
  ["route → context (body read, size limit, tRPC parse)", "trpcIn"],
  ["context: token auth (a lookup; a completion: its remembered principal)", "auth"],
  ["authenticated → procedure (middleware, input validation)", "toProc"],
  ["procedure → transaction's first statement (lease check, BEGIN)", "leaseCheck"],
  ["  tx: whole transaction (BEGIN … COMMIT)", "txWhole"],
  ["  tx: complete update", "txUpdate"],
  ["  tx: settle (allocations, release dependents, events, NOTIFY)", "txSettle"],
  ["  tx: quarantine streak, outcomes", "txOutcomes"],
  ["  tx: claim for the completing agent", "txClaim"],
  ["  tx: COMMIT", "txCommit"],
  ["commit → response written (tRPC out)", "trpcOut"],
  ["completion response → worker (HTTP)", "httpOut"],
  ["commit → waiting claimer woken (NOTIFY)", "notify"],
  ["woken → claim started (queued behind other woken claims)", "claimQueue"],
  ["claim query (transaction)", "claimQuery"],
  ["claim done → claim response at the worker (tRPC out, HTTP)", "claimOut"],
  ["response → next handler start (SDK)", "toHandler"],
  ["TOTAL handler end → next handler start", "total"],
] as const;

type Row = (typeof ROWS)[number][1];

function breakdown(
  ids: string[],
  handlers: { started: Map<string, number>; ended: Map<string, number> },
  calls: ClientCall[],
  server: ServerCall[],
) {
  const clientCompleting = indexBy(calls, (call) => call.completes);
  const clientClaiming = indexBy(calls, (call) => call.claims);
  const serverCompleting = indexBy(server, (call) => call.tasks.completed ?? []);
  const serverClaiming = indexBy(server, (call) => call.tasks.claimed ?? []);
  const values = new Map<Row, number[]>(ROWS.map(([, key]) => [key, []]));
  const add = (row: Row, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) values.get(row)?.push(value);
  };
  let viaCompletion = 0;
  let viaClaim = 0;
  for (let i = 1; i < ids.length; i++) {
    const parent = ids[i - 1] ?? "";
    const child = ids[i] ?? "";
    const request = clientCompleting.get(parent);
    const completion = serverCompleting.get(parent)?.marks;
    const claimCall = serverClaiming.get(child);
    const claimRequest = clientClaiming.get(child);
    const end = handlers.ended.get(parent);
    const start = handlers.started.get(child);
    if (!request || !completion || !claimCall || !claimRequest || !end || !start) continue;
    const m = (name: string) => completion[name] ?? Number.NaN;
    add("batching", request.sent - end);
    add("httpIn", m("received") - request.sent);
    add("trpcIn", m("auth.start") - m("received"));
    add("auth", m("auth.done") - m("auth.start"));
    add("toProc", m("proc") - m("auth.done"));
    add("leaseCheck", m("tx.begin") - m("proc"));
    add("txWhole", m("tx.commit") - m("tx.begin"));
    add("txUpdate", m("tx.update") - m("tx.begin"));
    add("txSettle", m("tx.settle") - m("tx.update"));
    add("txOutcomes", m("tx.outcomes") - m("tx.settle"));
    const claimed = completion["tx.claim"];
    add("txClaim", claimed !== undefined ? claimed - m("tx.outcomes") : undefined);
    if (completion["tx.outcomes"] !== undefined)
      add("txCommit", m("tx.commit") - (claimed ?? m("tx.outcomes")));
    add("trpcOut", m("responded") - m("tx.commit"));
    add("httpOut", request.received - m("responded"));
    if (claimCall === serverCompleting.get(parent)) {
      viaCompletion++;
      add("toHandler", start - request.received);
    } else {
      viaClaim++;
      const c = (name: string) => claimCall.marks[name] ?? Number.NaN;
      add("notify", c("woken") - m("tx.commit"));
      add("claimQueue", c("claim.start") - c("woken"));
      add("claimQuery", c("claim.done") - c("claim.start"));
      add("claimOut", claimRequest.received - c("claim.done"));
      add("toHandler", start - claimRequest.received);
    }
    add("total", start - end);
  }
  log(`hop: ${viaCompletion} hops claimed by the completion, ${viaClaim} by a waiting claim`);
  log("hop: | phase | p50 ms | p99 ms | n |");
  log("hop: |---|---|---|---|");
  for (const [label, key] of ROWS) {
    const list = values.get(key) ?? [];
    if (list.length === 0) continue;
    const fmt = (q: number) => quantile(list, q).toFixed(2);
    log(`hop: | ${label} | ${fmt(0.5)} | ${fmt(0.99)} | ${list.length} |`);
  }
  return { viaCompletion, viaClaim, values };
}

/** The first item naming each id. */
function indexBy<T>(items: T[], ids: (item: T) => string[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) for (const id of ids(item)) if (!map.has(id)) map.set(id, item);
  return map;
}
