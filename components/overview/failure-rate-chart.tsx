"use client";

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { formatPercent } from "@/lib/format/percent";
import { AXIS_TICK, COLOURS, GRID_STROKE } from "./chart-card";
import type { OverviewResult } from "./types";

/** failed / (succeeded + failed) of the busiest types that ended tasks in the range. */
export function FailureRateChart({ overview }: { overview: OverviewResult }) {
  const types = overview.types.filter((type) => type.failureRate !== null);
  const label = `Failure rate by type: ${types
    .map(
      (t) =>
        `${t.type} ${formatPercent(t.failureRate ?? 0)} (${t.failed} of ${t.succeeded + t.failed})`,
    )
    .join("; ")}`;
  return (
    <div role="img" aria-label={label} className="h-56 w-full" data-testid="chart-failure-rate">
      <BarChart
        data={types}
        responsive
        style={{ width: "100%", height: "100%" }}
        margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
        accessibilityLayer={false}
      >
        <CartesianGrid strokeDasharray="3 3" stroke={GRID_STROKE} />
        <XAxis dataKey="type" tick={AXIS_TICK} interval={0} />
        <YAxis
          domain={[0, 1]}
          tickFormatter={(ratio: number) => formatPercent(ratio)}
          tick={AXIS_TICK}
          width={52}
        />
        <Tooltip formatter={(ratio) => [formatPercent(Number(ratio)), "failed"]} />
        <Bar dataKey="failureRate" fill={COLOURS.failed} isAnimationActive={false} />
      </BarChart>
    </div>
  );
}
