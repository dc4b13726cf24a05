import type { DemoFleetStats } from "./fleet";

const sum = (counts: Record<string, number>) =>
  Object.values(counts).reduce((total, count) => total + count, 0);

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** One line for the terminal, e.g. `[demo 00:02:05] workflows 14 submitted, 11 in flight · …`. */
export function summaryLine(stats: DemoFleetStats): string {
  const { tasks, workflows } = stats;
  const pools = Object.entries(stats.pools)
    .map(([name, pool]) => `${name} ${pool.inUse}/${pool.capacity}`)
    .join(", ");
  return [
    `[demo ${clock(stats.uptimeS)}] workflows ${sum(workflows.submitted)} submitted, ${sum(workflows.active)} in flight`,
    `tasks ${tasks.succeeded} succeeded, ${tasks.failed} failed, ${tasks.retried} retried, ${tasks.running} running`,
    ...(pools ? [`pools ${pools}`] : []),
    ...(stats.errors > 0 ? [`${stats.errors} errors handled`] : []),
  ].join(" · ");
}
