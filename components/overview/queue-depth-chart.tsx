"use client";

import { useMemo } from "react";
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatTick } from "@/lib/overview/format";
import { AXIS_TICK, GRID_STROKE, STATE_COLOURS } from "./chart-card";
import type { OverviewResult } from "./types";

/** Tasks in each unfinished state over time; every state the server lists gets a line. */
export function QueueDepthChart({ overview }: { overview: OverviewResult }) {
  const { states, points } = overview.queueDepth;
  const data = useMemo(() => points.map((point) => ({ at: point.at, ...point.counts })), [points]);
  const now = points.at(-1)?.counts ?? {};
  const label = `Queue depth now: ${states.map((state) => `${now[state] ?? 0} ${state}`).join(", ")}`;
  return (
    <div role="img" aria-label={label} className="h-56 w-full" data-testid="chart-queue-depth">
      <LineChart
        data={data}
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
        <YAxis allowDecimals={false} tick={AXIS_TICK} width={44} />
        <Tooltip labelFormatter={(ms) => formatTick(Number(ms), overview.stepMs)} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {states.map((state, index) => (
          <Line
            key={state}
            dataKey={state}
            type="stepAfter"
            stroke={STATE_COLOURS[index % STATE_COLOURS.length]}
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </div>
  );
}
