"use client";

import Link from "next/link";
import { JsonBlock } from "@/components/task/json-block";
import { useNow } from "@/lib/hooks/use-now";
import { formatClock, formatDuration, formatEta } from "@/lib/run/format";
import type { WorkflowRun } from "@/server/workflows/summary";
import { RunActions } from "./run-actions";
import { RunStateBadge } from "./run-state-badge";

/**
 * Name, state, progress, times, ETA, submitter, metadata and the actions. The duration and the
 * ETA's "in ~N min" tick with the clock between refetches.
 */
export function RunHeader({ run }: { run: WorkflowRun }) {
  const now = useNow();
  const percent = run.total === 0 ? 100 : Math.round((run.done / run.total) * 100);
  const running = run.finishedAt === null && run.startedAt !== null;
  const durationS =
    run.startedAt === null
      ? null
      : running
        ? (now - Date.parse(run.startedAt)) / 1000
        : (run.durationS ?? 0);
  const hasMetadata = Object.keys(run.metadata).length > 0;

  return (
    <header className="flex flex-col gap-3" data-testid="run-header">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/workflows" className="text-accent underline">
          Workflows
        </Link>
      </nav>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 break-words text-2xl font-semibold" data-testid="run-name">
          {run.name}
        </h1>
        <RunStateBadge state={run.state} />
      </div>
      <div className="flex max-w-xl flex-col gap-1">
        <div
          role="progressbar"
          aria-label={`Tasks finished in ${run.name}`}
          aria-valuemin={0}
          aria-valuemax={run.total}
          aria-valuenow={run.done}
          aria-valuetext={`${run.done} of ${run.total} tasks finished`}
          className="h-2 w-full overflow-hidden rounded bg-ink-muted/20"
        >
          <div className="h-full bg-accent" style={{ width: `${percent}%` }} />
        </div>
        <p className="text-sm tabular-nums" data-testid="run-progress">
          {run.done} of {run.total} tasks finished
          {run.counts.failed > 0 && ` · ${run.counts.failed} failed`}
          {run.counts.running > 0 && ` · ${run.counts.running} running`}
        </p>
      </div>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr_max-content_1fr]">
        <dt className="text-ink-muted">Started</dt>
        <dd data-testid="run-started">
          {run.startedAt === null ? (
            "not yet"
          ) : (
            <time dateTime={run.startedAt} title={run.startedAt}>
              {formatClock(Date.parse(run.startedAt), true)}
            </time>
          )}
        </dd>
        <dt className="text-ink-muted">Duration</dt>
        <dd data-testid="run-duration" className="tabular-nums">
          {durationS === null ? "—" : formatDuration(durationS)}
        </dd>
        <dt className="text-ink-muted">ETA</dt>
        <dd data-testid="run-eta">
          {run.eta ? (
            <time dateTime={run.eta.finishAt} title={run.eta.finishAt}>
              {formatEta(run.eta.finishAt, now)}
            </time>
          ) : run.finishedAt ? (
            `ended ${formatClock(Date.parse(run.finishedAt), true)}`
          ) : (
            "—"
          )}
        </dd>
        <dt className="text-ink-muted">Submitted by</dt>
        <dd data-testid="run-submitter">{run.submitter?.name ?? "unknown"}</dd>
      </dl>
      {hasMetadata && (
        <div className="flex max-w-2xl flex-col gap-1">
          <h2 className="text-sm font-semibold">Metadata</h2>
          <JsonBlock value={run.metadata} testId="run-metadata" />
        </div>
      )}
      <RunActions run={run} />
    </header>
  );
}
