"use client";

import { useQuery } from "@tanstack/react-query";
import { useThrottledInvalidate } from "@/lib/hooks/use-throttled-invalidate";
import { useLiveEvents } from "@/lib/live/live-events";
import { useTRPC } from "@/lib/trpc/client";

/** Gauges shown at most; a fleet with more pools says how many were left out. */
export const MAX_GAUGES = 10;

/** Events after which a pool's usage may have changed: a claim, the end of an attempt, a resize. */
const USAGE_EVENTS = new Set([
  "task.started",
  "task.succeeded",
  "task.failed",
  "task.retrying",
  "task.cancelled",
  "resource.updated",
]);

type Level = "ok" | "high" | "full";

const LEVEL = {
  ok: { icon: "✓", label: "OK", tone: "text-emerald-300", bar: "#34d399" },
  high: { icon: "▲", label: "High", tone: "text-amber-300", bar: "#fbbf24" },
  full: { icon: "■", label: "Full", tone: "text-red-300", bar: "#f87171" },
} as const;

/**
 * One gauge per pool: its use against capacity, with the `resource_usage` alert threshold
 * marked on the bar; past the threshold the level reads "High", at capacity "Full".
 */
export function PoolGauges({ threshold }: { threshold: number }) {
  const trpc = useTRPC();
  const resources = useQuery(trpc.resources.list.queryOptions());
  const refresh = useThrottledInvalidate(trpc.resources.list.pathFilter(), 3_000);
  useLiveEvents((events) => {
    if (events.some((event) => USAGE_EVENTS.has(event.kind))) refresh();
  });

  const pools = (resources.data ?? [])
    .filter(
      (resource) =>
        resource.scope === "pool" && resource.capacity !== null && resource.capacity > 0,
    )
    .map((pool) => {
      const capacity = pool.capacity ?? 1;
      const ratio = pool.inUse / capacity;
      const level: Level = ratio >= 1 ? "full" : ratio >= threshold ? "high" : "ok";
      return { name: pool.name, inUse: pool.inUse, capacity, ratio, level };
    })
    // The fullest first: when the panel cannot show every pool, the ones left out are calm.
    .sort((a, b) => b.ratio - a.ratio || a.name.localeCompare(b.name));
  const shown = pools.slice(0, MAX_GAUGES);
  const full = pools.filter((pool) => pool.level === "full").length;
  const high = pools.filter((pool) => pool.level === "high").length;
  return (
    <section
      aria-labelledby="wall-pools-title"
      data-testid="wall-panel-pools"
      className="flex min-h-0 flex-col gap-[0.5em] overflow-hidden rounded-[0.6em] bg-surface-raised p-[0.8em]"
    >
      <h2 id="wall-pools-title" className="text-[1.1em] font-semibold">
        Pools{" "}
        <span className="text-[0.85em] font-normal text-ink-muted">
          {resources.data ? `${full} full · ${high} high of ${pools.length} · ` : ""}
          alert at {Math.round(threshold * 100)} %
        </span>
      </h2>
      {resources.data && pools.length === 0 ? (
        <p className="text-ink-muted">No pools configured</p>
      ) : null}
      <ul className="flex min-h-0 flex-col gap-[0.4em] overflow-hidden">
        {shown.map((pool) => {
          const look = LEVEL[pool.level];
          return (
            <li
              key={pool.name}
              data-testid="wall-pool"
              data-pool={pool.name}
              data-level={pool.level}
              className="grid shrink-0 grid-cols-[minmax(0,3fr)_minmax(0,4fr)_11em] items-center gap-[0.6em]"
            >
              <span className="truncate font-medium">{pool.name}</span>
              <Gauge ratio={pool.ratio} threshold={threshold} colour={look.bar} />
              <span className="truncate text-right tabular-nums">
                <span className={`font-semibold ${look.tone}`}>
                  <span aria-hidden="true">{look.icon}</span> {look.label}
                </span>{" "}
                <span className="text-ink-muted">
                  {formatAmount(pool.inUse)} / {formatAmount(pool.capacity)} (
                  {Math.round(pool.ratio * 100)} %)
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      {pools.length > shown.length ? (
        <p className="text-ink-muted">+{pools.length - shown.length} more pools</p>
      ) : null}
    </section>
  );
}

/** A bar with the threshold as a tick; decorative, the text above says the same. */
function Gauge({ ratio, threshold, colour }: { ratio: number; threshold: number; colour: string }) {
  const fill = Math.min(1, Math.max(0, ratio)) * 100;
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 100 6"
      preserveAspectRatio="none"
      className="block h-[0.8em] w-full"
    >
      <rect x="0" y="0" width="100" height="6" rx="1" fill="#334155" />
      <rect x="0" y="0" width={fill} height="6" rx="1" fill={colour} />
      <line
        x1={threshold * 100}
        x2={threshold * 100}
        y1="0"
        y2="6"
        stroke="#f8fafc"
        strokeWidth="3"
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}

function formatAmount(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(1);
}
