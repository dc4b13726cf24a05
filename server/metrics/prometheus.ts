import { Gauge, Registry } from "prom-client";
import type { Database, Executor } from "@/db/client";
import { roles } from "@/server/auth/roles";
import { guardRoute } from "@/server/auth/route-guard";
import { renderDurationHistograms } from "@/server/overview/prometheus-histograms";
import { agentStatus } from "./agent-status";
import { durationPercentiles, type Percentiles } from "./durations";
import { failureRate } from "./failure-rate";
import { taskCountsByState } from "./task-counts";
import { recentThroughput } from "./throughput";
import { currentUtilisation } from "./utilisation-current";

/** Windows of the windowed gauges; stated in each one's HELP, since a scrape can't choose. */
const THROUGHPUT_MINUTES = 5;
const WINDOW_MINUTES = 60;

/**
 * Every metric as Prometheus text. All are computed from the database at scrape time, the gauges
 * in a fresh Registry: PostgreSQL holds the state, so any instance answers the same, and no
 * process-global registry carries values from one scrape (or test) into the next. The duration
 * histograms are the overview rollup's all-time totals (server/overview/prometheus-histograms.ts). Throughput is
 * a gauge over a window rather than a `_total` counter because terminal counts are not monotonic
 * (an operator's retry moves a failed task back to queued), which rate() would read as resets.
 * Process metrics (collectDefaultMetrics) are left out: they need a long-lived registry.
 */
export async function renderPrometheus(
  db: Executor,
): Promise<{ contentType: string; body: string }> {
  const [tasks, throughput, durations, failures, usage, agents, histograms] = await Promise.all([
    taskCountsByState(db),
    recentThroughput(db, { minutes: THROUGHPUT_MINUTES }),
    durationPercentiles(db, { sinceMinutes: WINDOW_MINUTES }),
    failureRate(db, { windowMinutes: WINDOW_MINUTES }),
    currentUtilisation(db),
    agentStatus(db),
    renderDurationHistograms(db),
  ]);
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });

  const byState = gauge("tm_tasks", "Tasks in each state now.", ["state"]);
  for (const [state, count] of Object.entries(tasks)) byState.set({ state }, count);

  const perMinute = gauge(
    "tm_throughput_per_minute",
    `Tasks finished per minute by outcome, averaged over the last ${THROUGHPUT_MINUTES} minutes.`,
    ["outcome"],
  );
  for (const [outcome, rate] of Object.entries(throughput)) perMinute.set({ outcome }, rate);

  const window = `tasks that succeeded or failed in the last ${WINDOW_MINUTES} minutes`;
  const queueWait = gauge(
    "tm_task_queue_wait_seconds",
    `Queue wait (started - queued) quantiles per task type, over ${window}.`,
    ["type", "quantile"],
  );
  const runTime = gauge(
    "tm_task_run_seconds",
    `Run time (finished - started) quantiles per task type, over ${window}.`,
    ["type", "quantile"],
  );
  for (const row of durations) {
    setQuantiles(queueWait, row.type, row.queueWait);
    setQuantiles(runTime, row.type, row.runTime);
  }

  // Left out when nothing finished: "no rate" must not read as a healthy 0 %, and prom-client
  // would write NaN as "Nan", which only lenient parsers accept.
  if (failures.rate !== null) {
    gauge("tm_failure_rate", `Failed / (succeeded + failed) over ${window}.`, []).set(
      failures.rate,
    );
  }

  const inUse = gauge("tm_pool_in_use", "Amount of each pool held now.", ["pool"]);
  const capacity = gauge("tm_pool_capacity", "Capacity of each pool.", ["pool"]);
  for (const pool of usage.pools) {
    inUse.set({ pool: pool.resource }, pool.held);
    capacity.set({ pool: pool.resource }, pool.capacity);
  }
  const agentUse = gauge(
    "tm_agent_utilisation",
    "Share of an agent's declared amount of an agent-scoped resource held now (0-1).",
    ["agent", "agent_id", "resource"],
  );
  for (const series of usage.agents) {
    if (series.agentStatus === "offline" && series.held === 0) continue;
    agentUse.set(
      { agent: series.agentName ?? "", agent_id: series.agentId ?? "", resource: series.resource },
      series.ratio,
    );
  }

  const byStatus = gauge("tm_agents", "Agents in each status now.", ["status"]);
  for (const [status, count] of Object.entries(agents.counts)) byStatus.set({ status }, count);
  const heartbeat = gauge(
    "tm_agent_heartbeat_age_seconds",
    "Seconds since each agent that is not offline was last heard from.",
    ["agent", "agent_id"],
  );
  for (const agent of agents.agents) {
    if (agent.status === "offline") continue;
    heartbeat.set({ agent: agent.name, agent_id: agent.id }, agent.heartbeatAgeS);
  }

  // The duration histograms come from the overview's rollup, already summed (text of their own).
  return { contentType: registry.contentType, body: `${await registry.metrics()}${histograms}` };
}

function setQuantiles(target: Gauge<"type" | "quantile">, type: string, values: Percentiles) {
  for (const [quantile, value] of [
    ["0.5", values.p50],
    ["0.9", values.p90],
    ["0.99", values.p99],
  ] as const) {
    if (value !== null) target.set({ type, quantile }, value);
  }
}

/**
 * GET /api/metrics: any role's bearer token (Prometheus' `authorization` setting) or session;
 * 401 without one, like every route but health and sign-in.
 */
export async function scrapeMetrics(req: Request, db: Database): Promise<Response> {
  const guard = await guardRoute(req, roles, db);
  if (guard instanceof Response) return guard;
  const { contentType, body } = await renderPrometheus(db);
  return new Response(body, {
    headers: { "content-type": contentType, "cache-control": "no-store" },
  });
}
