"use client";

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatTick } from "@/lib/overview/format";
import { AXIS_TICK, COLOURS, GRID_STROKE } from "./chart-card";
import type { OverviewResult } from "./types";

/** Claims, successes and failures per bucket, side by side. */
export function ThroughputChart({ overview }: { overview: OverviewResult }) {
  const { totals, stepMs } = overview;
  return (
    <div
      role="img"
      aria-label={`Tasks per ${stepMs >= 3_600_000 ? `${stepMs / 3_600_000} h` : `${stepMs / 60_000} min`}: ${totals.started} started, ${totals.succeeded} succeeded, ${totals.failed} failed over the range`}
      className="h-56 w-full"
      data-testid="chart-throughput"
      data-started={totals.started}
    >
      <BarChart
        data={overview.throughput}
        responsive
        style={{ width: "100%", height: "100%" }}
        margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
        accessibilityLayer={false}
        barGap={0}
      >
        <CartesianGrid strokeDasharray="3 3" stroke={GRID_STROKE} />
        <XAxis
          dataKey="at"
          tickFormatter={(ms: number) => formatTick(ms, stepMs)}
          tick={AXIS_TICK}
          minTickGap={40}
        />
        <YAxis allowDecimals={false} tick={AXIS_TICK} width={44} />
        <Tooltip labelFormatter={(ms) => formatTick(Number(ms), stepMs)} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {(["started", "succeeded", "failed"] as const).map((key) => (
          <Bar key={key} dataKey={key} fill={COLOURS[key]} isAnimationActive={false} />
        ))}
      </BarChart>
    </div>
  );
}
