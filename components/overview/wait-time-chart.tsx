"use client";

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatSeconds, formatTick } from "@/lib/overview/format";
import { AXIS_TICK, COLOURS, GRID_STROKE } from "./chart-card";
import type { OverviewResult } from "./types";

/** Queued → claimed, p50 and p95 of each bucket's claims. */
export function WaitTimeChart({ overview }: { overview: OverviewResult }) {
  const { waitP50, waitP95 } = overview.totals;
  return (
    <div
      role="img"
      aria-label={`Wait time over the range: p50 ${formatSeconds(waitP50)}, p95 ${formatSeconds(waitP95)}`}
      className="h-56 w-full"
      data-testid="chart-wait-time"
    >
      <LineChart
        data={overview.waitTime}
        responsive
        style={{ width: "100%", height: "100%" }}
        margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
        accessibilityLayer={false}
      >
        <CartesianGrid strokeDasharray="3 3" stroke={GRID_STROKE} />
        <XAxis
          dataKey="at"
          type="number"
          scale="time"
          domain={[overview.fromMs, overview.toMs]}
          tickFormatter={(ms: number) => formatTick(ms, overview.stepMs)}
          tick={AXIS_TICK}
          minTickGap={40}
        />
        <YAxis tickFormatter={(s: number) => formatSeconds(s)} tick={AXIS_TICK} width={64} />
        <Tooltip
          labelFormatter={(ms) => formatTick(Number(ms), overview.stepMs)}
          formatter={(value, name) => [formatSeconds(Number(value)), name]}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {(["p50", "p95"] as const).map((key) => (
          <Line
            key={key}
            dataKey={key}
            stroke={COLOURS[key]}
            dot={overview.waitTime.length <= 60}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </div>
  );
}
