"use client";

import { Area, AreaChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { formatPercent } from "@/lib/format/percent";

export interface UtilisationChartPoint {
  /** Epoch ms. */
  at: number;
  ratio: number;
}

const AXIS_TICK = { fill: "rgb(100 116 139)", fontSize: 11 };
const THRESHOLD_COLOUR = "#b45309";

const timeOfDay = (ms: number) =>
  new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/**
 * Utilisation ratio over time with the alert threshold as a dashed line. Drawn as steps: each
 * point is the average over a bucket that starts there; the last is the value now.
 *
 * The SVG is one image to assistive technology (`label` says what it shows and the value now);
 * recharts' own keyboard layer is off, since an image has no focusable parts. The exact
 * figures are in the text next to the chart.
 */
export function UtilisationChart({
  points,
  from,
  to,
  threshold,
  label,
}: {
  points: UtilisationChartPoint[];
  from: number;
  to: number;
  threshold: number;
  label: string;
}) {
  const top = Math.max(1, ...points.map((p) => p.ratio));
  return (
    <div role="img" aria-label={label} className="h-40 w-full text-accent">
      <AreaChart
        data={points}
        responsive
        style={{ width: "100%", height: "100%" }}
        margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
        accessibilityLayer={false}
      >
        <CartesianGrid strokeDasharray="3 3" stroke="rgb(148 163 184 / 0.3)" />
        <XAxis
          dataKey="at"
          type="number"
          scale="time"
          domain={[from, to]}
          tickFormatter={timeOfDay}
          tick={AXIS_TICK}
          minTickGap={40}
        />
        <YAxis
          domain={[0, top]}
          tickFormatter={(ratio: number) => formatPercent(ratio)}
          tick={AXIS_TICK}
          width={52}
        />
        <Tooltip
          labelFormatter={(ms) => timeOfDay(Number(ms))}
          formatter={(ratio) => [formatPercent(Number(ratio)), "used"]}
        />
        <ReferenceLine
          y={threshold}
          stroke={THRESHOLD_COLOUR}
          strokeDasharray="6 4"
          ifOverflow="extendDomain"
        />
        <Area
          type="stepAfter"
          dataKey="ratio"
          stroke="currentColor"
          fill="currentColor"
          fillOpacity={0.15}
          isAnimationActive={false}
          dot={false}
        />
      </AreaChart>
    </div>
  );
}
