"use client";

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatSeconds } from "@/lib/overview/format";
import { AXIS_TICK, COLOURS, GRID_STROKE } from "./chart-card";
import type { OverviewResult } from "./types";

/** Run time p50 and p95 of the busiest types, one pair of bars per type. */
export function RunTimeChart({ overview }: { overview: OverviewResult }) {
  const types = overview.types.filter((type) => type.runP50 !== null);
  const label = `Run time by type: ${types
    .map((t) => `${t.type} p50 ${formatSeconds(t.runP50)}, p95 ${formatSeconds(t.runP95)}`)
    .join("; ")}`;
  return (
    <div role="img" aria-label={label} className="h-56 w-full" data-testid="chart-run-time">
      <BarChart
        data={types}
        responsive
        style={{ width: "100%", height: "100%" }}
        margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
        accessibilityLayer={false}
      >
        <CartesianGrid strokeDasharray="3 3" stroke={GRID_STROKE} />
        <XAxis dataKey="type" tick={AXIS_TICK} interval={0} />
        <YAxis tickFormatter={(s: number) => formatSeconds(s)} tick={AXIS_TICK} width={64} />
        <Tooltip formatter={(value, name) => [formatSeconds(Number(value)), name]} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="runP50" name="p50" fill={COLOURS.p50} isAnimationActive={false} />
        <Bar dataKey="runP95" name="p95" fill={COLOURS.p95} isAnimationActive={false} />
      </BarChart>
    </div>
  );
}
