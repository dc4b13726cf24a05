"use client";

import { memo, useMemo } from "react";
import { UtilisationChart } from "@/components/charts/utilisation-chart";
import { formatPercent } from "@/lib/format/percent";
import type { RouterOutputs } from "@/sdk/client";
import { UsageGauge } from "./usage-gauge";

export type UtilisationResult = RouterOutputs["metrics"]["utilisation"];
export type UtilisationSeries = UtilisationResult["pools"][number];

/** `pool:<name>` or `agent:<id>:<resource>`: the alert rule's subjects, so the two match. */
export function seriesKey(series: Pick<UtilisationSeries, "resource" | "agentId">): string {
  return series.agentId === null
    ? `pool:${series.resource}`
    : `agent:${series.agentId}:${series.resource}`;
}

const RANGE_WORDS: Record<UtilisationResult["range"], string> = {
  "15m": "15 minutes",
  "1h": "hour",
  "24h": "24 hours",
};

/**
 * One series: its name, the gauge now, the chart over the range. The chart's latest point is
 * also in `data-latest-*` and in the text, so tests and screen readers read the same figure.
 */
/** Memoised: charts are the page's costly part, redrawn only when their data changes. */
export const SeriesCard = memo(function SeriesCard({
  series,
  title,
  result,
  threshold,
}: {
  series: UtilisationSeries;
  title: string;
  result: UtilisationResult;
  threshold: number;
}) {
  const latest = series.points.at(-1);
  const points = useMemo(
    () => series.points.map((p) => ({ at: Date.parse(p.at), ratio: p.ratio })),
    [series.points],
  );
  const key = seriesKey(series);
  const headingId = `series-${key.replaceAll(":", "-")}`;
  const chartLabel = `${title}: utilisation over the last ${RANGE_WORDS[result.range]}, ${formatPercent(
    latest?.ratio ?? 0,
  )} now, threshold ${formatPercent(threshold)}`;
  return (
    <article
      aria-labelledby={headingId}
      data-testid="utilisation-series"
      data-series={key}
      data-latest-held={latest?.held ?? 0}
      data-latest-ratio={latest?.ratio ?? 0}
      className="flex flex-col gap-3 rounded border border-ink-muted/30 bg-surface-raised p-4"
    >
      <h3 id={headingId} className="font-semibold break-all">
        {title}
      </h3>
      <UsageGauge
        held={series.held}
        capacity={series.capacity}
        threshold={threshold}
        label={`${title} in use now`}
      />
      <UtilisationChart
        points={points}
        from={Date.parse(result.from)}
        to={Date.parse(result.to)}
        threshold={threshold}
        label={chartLabel}
      />
    </article>
  );
});
