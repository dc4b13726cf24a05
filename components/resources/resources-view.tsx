"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { type RangeOption, RangePicker } from "@/components/charts/range-picker";
import { PoolsGuide } from "@/components/guide/pools-guide";
import { useThrottledCallback } from "@/lib/hooks/use-throttled-callback";
import { useLiveEvents } from "@/lib/live/live-events";
import { useTRPC } from "@/lib/trpc/client";
import { HoldersTable } from "./holders-table";
import { SchedulingPanel } from "./scheduling-panel";
import { SeriesCard, type UtilisationResult } from "./series-card";

const RANGES: RangeOption<UtilisationResult["range"]>[] = [
  { value: "15m", label: "15 min" },
  { value: "1h", label: "1 h" },
  { value: "24h", label: "24 h" },
];

/** Events after which what is held may have changed. */
const USAGE_EVENTS = new Set([
  "task.started",
  "task.succeeded",
  "task.failed",
  "task.cancelled",
  "task.retrying",
  "resource.updated",
  "agent.registered",
  "agent.offline",
]);
/** The charts move on with the clock even when nothing happens. */
const CLOCK_REFRESH_MS = 15_000;

/**
 * Utilisation per pool and per agent resource: gauges now, charts over the chosen range, and
 * who holds what. Usage is an aggregate that events do not carry, so the charts and the holders
 * are refetched together (at most once a second) when an event says usage may have changed;
 * refetching them together keeps the chart's latest point equal to resources.list.
 */
export function ResourcesView({
  threshold,
  agentResources,
}: {
  threshold: number;
  /** `resources.agent` of the configuration: what agents may declare. */
  agentResources: string[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [range, setRange] = useState<UtilisationResult["range"]>("1h");
  const utilisation = useQuery({
    ...trpc.metrics.utilisation.queryOptions({ range }),
    placeholderData: keepPreviousData,
    refetchInterval: CLOCK_REFRESH_MS,
  });
  const resources = useQuery(trpc.resources.list.queryOptions());
  const scheduling = useQuery({
    ...trpc.resources.scheduling.queryOptions(),
    // A reservation starts when a wait crosses reserve_after_s: no event says so.
    refetchInterval: CLOCK_REFRESH_MS,
  });

  const refetch = useThrottledCallback(() => {
    void queryClient.invalidateQueries(trpc.metrics.utilisation.pathFilter());
    void queryClient.invalidateQueries(trpc.resources.list.pathFilter());
    void queryClient.invalidateQueries(trpc.resources.scheduling.pathFilter());
  }, 1_000);
  useLiveEvents((events) => {
    if (events.some((event) => USAGE_EVENTS.has(event.kind))) refetch();
  });

  const holders = (resources.data ?? []).flatMap((resource) => resource.holders);
  return (
    <div className="flex flex-col gap-6">
      <RangePicker name="utilisation-range" options={RANGES} value={range} onChange={setRange} />
      {utilisation.isPending ? (
        <p className="text-ink-muted">Loading utilisation…</p>
      ) : utilisation.isError ? (
        <p role="alert" className="text-danger">
          Could not load utilisation: {utilisation.error.message}
        </p>
      ) : (
        <>
          <SeriesSection
            title="Pools"
            empty={<PoolsGuide />}
            result={utilisation.data}
            series={utilisation.data.pools}
            threshold={threshold}
          />
          <SeriesSection
            title="Agent resources"
            empty={
              <p className="text-ink-muted" data-testid="agent-resources-empty">
                No agent declares a resource of its own yet. Agents declare their amounts of{" "}
                {agentResources.length > 0
                  ? agentResources.map((name, index) => (
                      <span key={name}>
                        {index > 0 ? ", " : ""}
                        <code>{name}</code>
                      </span>
                    ))
                  : "the resources listed under resources.agent in task-manager.yaml"}{" "}
                when they register (<code>capacity: {"{ cpu: 4 }"}</code>); their use shows here.
              </p>
            }
            result={utilisation.data}
            series={utilisation.data.agents}
            threshold={threshold}
          />
        </>
      )}
      <section aria-labelledby="held-back-heading" className="flex flex-col gap-2">
        <h2 id="held-back-heading" className="text-xl font-semibold">
          Reservations and concurrency limits
        </h2>
        {scheduling.isError ? (
          <p role="alert" className="text-danger">
            Could not load reservations: {scheduling.error.message}
          </p>
        ) : scheduling.isPending ? (
          <p className="text-ink-muted">Loading…</p>
        ) : (
          <SchedulingPanel state={scheduling.data} />
        )}
      </section>
      <section aria-labelledby="holders-heading" className="flex flex-col gap-2">
        <h2 id="holders-heading" className="text-xl font-semibold">
          Who holds what now
        </h2>
        {resources.isError ? (
          <p role="alert" className="text-danger">
            Could not load resources: {resources.error.message}
          </p>
        ) : resources.isPending ? (
          <p className="text-ink-muted">Loading…</p>
        ) : (
          <HoldersTable holders={holders} />
        )}
      </section>
    </div>
  );
}

function SeriesSection({
  title,
  empty,
  result,
  series,
  threshold,
}: {
  title: string;
  empty: ReactNode;
  result: UtilisationResult;
  series: UtilisationResult["pools"];
  threshold: number;
}) {
  const id = `${title.toLowerCase().replaceAll(" ", "-")}-heading`;
  return (
    <section aria-labelledby={id} className="flex flex-col gap-2">
      <h2 id={id} className="text-xl font-semibold">
        {title}
      </h2>
      {series.length === 0 ? (
        empty
      ) : (
        <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
          {series.map((s) => (
            <li key={`${s.agentId ?? "pool"}:${s.resource}`}>
              <SeriesCard
                series={s}
                title={
                  s.agentId === null ? s.resource : `${s.agentName ?? s.agentId} · ${s.resource}`
                }
                result={result}
                threshold={threshold}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
