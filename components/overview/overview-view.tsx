"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect } from "react";
import { RangePicker } from "@/components/charts/range-picker";
import { SubmitGuide } from "@/components/guide/submit-guide";
import { formatPercent } from "@/lib/format/percent";
import { useThrottledInvalidate } from "@/lib/hooks/use-throttled-invalidate";
import { useLiveEvents } from "@/lib/live/live-events";
import { formatSeconds } from "@/lib/overview/format";
import {
  OVERVIEW_RANGE_OPTIONS,
  type OverviewRange,
  parseOverviewRange,
} from "@/lib/overview/range";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import { BusiestAgents } from "./busiest-agents";
import { BusiestPools } from "./busiest-pools";
import { ChartCard } from "./chart-card";
import { FailureRateChart } from "./failure-rate-chart";
import { QueueDepthChart } from "./queue-depth-chart";
import { RunTimeChart } from "./run-time-chart";
import { ThroughputChart } from "./throughput-chart";
import type { OverviewResult } from "./types";
import { WaitTimeChart } from "./wait-time-chart";

/**
 * Aggregates are refetched at most this often while events flow: the server sums a few hundred
 * rollup rows per read, and a chart need not move faster than a person reads it.
 */
const LIVE_REFRESH_MS = 3_000;
/** The charts move on with the clock even when nothing happens. */
const CLOCK_REFRESH_MS = 30_000;

/**
 * The overview: throughput, queue depth, wait and run times, failure rates, busiest agents and
 * pools over the range in the URL. Events never patch the figures (they are aggregates): a
 * task event pokes a throttled refetch instead.
 */
export function OverviewView() {
  const searchParams = useSearchParams();
  const range = parseOverviewRange(searchParams.get("range"));
  const router = useRouter();
  const pathname = usePathname();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const overview = useQuery({
    ...trpc.metrics.overview.queryOptions({ range }),
    placeholderData: keepPreviousData,
    refetchInterval: CLOCK_REFRESH_MS,
  });
  const poke = useThrottledInvalidate(trpc.metrics.overview.pathFilter(), LIVE_REFRESH_MS);
  useLiveEvents((events) => {
    if (events.some((event) => event.kind.startsWith("task."))) poke();
  });
  // The server's render may predate the stream: catch up once it listens.
  useEffect(() => {
    void queryClient.invalidateQueries(trpc.metrics.overview.pathFilter());
  }, [queryClient, trpc]);

  const setRange = (next: OverviewRange) => {
    const params = new URLSearchParams(searchParams.toString());
    params.set("range", next);
    router.replace(`${pathname}?${params.toString()}`, { scroll: false });
  };

  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">Overview</h1>
      {overview.isError && (
        <p role="alert" className="text-sm text-danger">
          Could not load the overview: {errorMessage(overview.error)}
        </p>
      )}
      {overview.isPending ? (
        <p className="text-ink-muted">Loading the overview…</p>
      ) : overview.data && !overview.data.hasTasks ? (
        <SubmitGuide id="overview" title="Nothing has run yet: three ways to start" />
      ) : overview.data ? (
        <>
          <RangePicker
            name="overview-range"
            options={OVERVIEW_RANGE_OPTIONS}
            value={range}
            onChange={setRange}
          />
          <Figures
            overview={overview.data}
            stale={overview.isPlaceholderData || overview.data.range !== range}
          />
          <div className="grid gap-4 lg:grid-cols-2">
            <ChartCard
              id="throughput"
              title="Tasks started, succeeded and failed"
              summary={`Per ${stepLabel(overview.data.stepMs)}; failed counts tasks that failed for good.`}
            >
              <ThroughputChart overview={overview.data} />
            </ChartCard>
            <ChartCard
              id="queue-depth"
              title="Queue depth"
              summary="Tasks in each unfinished state, sampled every minute; the last point is now."
            >
              <QueueDepthChart overview={overview.data} />
            </ChartCard>
            <ChartCard
              id="wait-time"
              title="Wait time"
              summary="From queued to claimed, p50 and p95 of the claims in each interval."
            >
              <WaitTimeChart overview={overview.data} />
            </ChartCard>
            <ChartCard
              id="run-time"
              title="Run time by type"
              summary="From claimed to succeeded or failed, p50 and p95, for the busiest types."
            >
              <RunTimeChart overview={overview.data} />
            </ChartCard>
            <ChartCard
              id="failure-rate"
              title="Failure rate by type"
              summary="Failed for good out of the tasks of each type that ended in the range."
            >
              <FailureRateChart overview={overview.data} />
            </ChartCard>
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
              <ChartCard
                id="agents"
                title="Busiest agents"
                summary="Most tasks claimed and ended in the range; a name opens its tasks."
              >
                <BusiestAgents agents={overview.data.agents} />
              </ChartCard>
              <ChartCard
                id="pools"
                title="Busiest pools"
                summary="Share of each pool's capacity held now."
              >
                <BusiestPools pools={overview.data.pools} />
              </ChartCard>
            </div>
          </div>
        </>
      ) : null}
    </div>
  );
}

const stepLabel = (stepMs: number) =>
  stepMs >= 3_600_000 ? `${stepMs / 3_600_000} h` : `${stepMs / 60_000} min`;

function Figures({ overview, stale }: { overview: OverviewResult; stale: boolean }) {
  const { totals } = overview;
  const ended = totals.succeeded + totals.failed;
  const figures = [
    { label: "Started", value: String(totals.started), id: "started" },
    { label: "Succeeded", value: String(totals.succeeded), id: "succeeded" },
    { label: "Failed", value: String(totals.failed), id: "failed" },
    {
      label: "Failure rate",
      value: ended === 0 ? "—" : formatPercent(totals.failed / ended),
      id: "failure-rate",
    },
    { label: "Wait p50", value: formatSeconds(totals.waitP50), id: "wait-p50" },
    { label: "Wait p95", value: formatSeconds(totals.waitP95), id: "wait-p95" },
  ];
  return (
    <dl
      className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6"
      data-testid="overview-figures"
      data-range={overview.range}
      aria-busy={stale}
    >
      {figures.map((figure) => (
        <div
          key={figure.id}
          className="rounded-lg border border-ink-muted/20 bg-surface p-3"
          data-testid={`figure-${figure.id}`}
        >
          <dt className="text-xs text-ink-muted">{figure.label}</dt>
          <dd className="text-xl font-semibold tabular-nums">{figure.value}</dd>
        </div>
      ))}
    </dl>
  );
}
