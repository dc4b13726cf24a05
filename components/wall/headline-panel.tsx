"use client";

import { useQuery } from "@tanstack/react-query";
import { useThrottledInvalidate } from "@/lib/hooks/use-throttled-invalidate";
import { useLiveEvents } from "@/lib/live/live-events";
import { STATE_ICON } from "@/lib/tasks/states";
import { useTRPC } from "@/lib/trpc/client";

/** Refetched this often anyway: "failed in the last hour" and throughput decay with time. */
export const HEADLINE_REFRESH_MS = 15_000;

interface Figure {
  key: string;
  label: string;
  icon: string;
  value: string;
  tone: string;
}

/**
 * Running, queued, waiting (for a signal), blocked, failed in the last hour, throughput. Counts are aggregates: task
 * events trigger a throttled refetch rather than being summed here, which would drift.
 */
export function HeadlinePanel() {
  const trpc = useTRPC();
  const headline = useQuery({
    ...trpc.metrics.headline.queryOptions(),
    refetchInterval: HEADLINE_REFRESH_MS,
  });
  const refresh = useThrottledInvalidate(trpc.metrics.headline.pathFilter(), 2_000);
  useLiveEvents((events) => {
    if (events.some((event) => event.kind.startsWith("task."))) refresh();
  });

  const data = headline.data;
  const figures: Figure[] = [
    {
      key: "running",
      label: "Running",
      icon: STATE_ICON.running,
      value: count(data?.running),
      tone: "text-sky-300",
    },
    {
      key: "queued",
      label: "Queued",
      icon: STATE_ICON.queued,
      value: count(data?.queued),
      tone: "text-violet-300",
    },
    {
      key: "waiting",
      label: "Waiting",
      icon: STATE_ICON.waiting,
      value: count(data?.waiting),
      tone: "text-fuchsia-300",
    },
    {
      key: "blocked",
      label: "Blocked",
      icon: STATE_ICON.blocked,
      value: count(data?.blocked),
      tone: "text-slate-300",
    },
    {
      key: "failed",
      label: "Failed, last hour",
      icon: data && data.failedLastHour > 0 ? "✕" : "✓",
      value: count(data?.failedLastHour),
      tone: data && data.failedLastHour > 0 ? "text-red-300" : "text-emerald-300",
    },
    {
      key: "throughput",
      label: "Done per minute",
      icon: "⇢",
      value: data ? formatRate(data.throughputPerMinute) : "–",
      tone: "text-ink",
    },
  ];
  return (
    <section
      aria-labelledby="wall-headline-title"
      data-testid="wall-panel-headline"
      className="flex min-h-0 flex-col rounded-[0.6em] bg-surface-raised px-[0.8em] py-[0.4em]"
    >
      <h2 id="wall-headline-title" className="sr-only">
        Headline figures
      </h2>
      <dl className="grid h-full grid-cols-6 gap-[0.8em]">
        {figures.map((figure) => (
          <div key={figure.key} className="flex min-w-0 flex-col justify-center">
            <dt className="truncate text-[0.9em] text-ink-muted">
              <span aria-hidden="true" className={figure.tone}>
                {figure.icon}
              </span>{" "}
              {figure.label}
            </dt>
            <dd
              data-testid={`wall-figure-${figure.key}`}
              className={`text-[2.6em] font-semibold leading-none tabular-nums ${figure.tone}`}
            >
              {figure.value}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function count(value: number | undefined): string {
  return value === undefined ? "–" : value.toLocaleString("en");
}

function formatRate(perMinute: number): string {
  return perMinute >= 10 ? Math.round(perMinute).toLocaleString("en") : perMinute.toFixed(1);
}
