import Link from "next/link";
import { formatClock, formatDuration, formatEta } from "@/lib/runs/format";
import type { RunSummary } from "@/lib/runs/types";
import { STATE_ICON, STATE_LABEL, TASK_STATES } from "@/lib/tasks/states";
import { RunActions } from "./run-actions";
import { RunStateBadge } from "./run-state-badge";

const cell = "px-2 py-1.5 align-top";

/** One run in the runs list. Every user-supplied string is rendered as text. */
export function RunRow({ run, now }: { run: RunSummary; now: number }) {
  const percent = run.total === 0 ? 0 : Math.round((run.done / run.total) * 100);
  // While unfinished the duration grows with the clock; the server's figure is a snapshot.
  const durationS =
    run.startedAt === null
      ? null
      : run.finishedAt === null
        ? (now - Date.parse(run.startedAt)) / 1000
        : run.durationS;
  return (
    <tr data-testid="run-row" data-run-id={run.id} className="border-t border-ink-muted/15">
      <td className={`${cell} max-w-64`}>
        <Link
          href={`/workflows/${run.id}`}
          className="block truncate font-medium text-ink underline-offset-2 hover:underline"
          title={run.name}
        >
          {run.name}
        </Link>
      </td>
      <td className={cell}>
        <RunStateBadge state={run.state} className="text-sm" />
      </td>
      <td className={`${cell} min-w-28`}>
        <div
          role="progressbar"
          aria-label={`Progress of ${run.name}`}
          aria-valuemin={0}
          aria-valuemax={run.total}
          aria-valuenow={run.done}
          aria-valuetext={`${run.done} of ${run.total} tasks done`}
          className="h-1.5 w-full overflow-hidden rounded bg-ink-muted/20"
        >
          <div className="h-full bg-accent" style={{ width: `${percent}%` }} />
        </div>
        <span data-testid="run-progress" className="text-xs tabular-nums text-ink-muted">
          {run.done}/{run.total}
        </span>
      </td>
      <td className={cell}>
        <ul data-testid="run-counts" className="flex flex-wrap gap-x-2 text-xs tabular-nums">
          {TASK_STATES.filter((state) => run.counts[state] > 0).map((state) => (
            <li key={state} data-state={state} title={STATE_LABEL[state]}>
              <span aria-hidden="true">{STATE_ICON[state]}</span>
              <span className="sr-only">{STATE_LABEL[state]}:</span> {run.counts[state]}
            </li>
          ))}
        </ul>
      </td>
      <td className={`${cell} max-w-40 truncate text-sm`} title={run.submitter?.name}>
        {run.submitter?.name ?? <span className="text-ink-muted">—</span>}
      </td>
      <td className={`${cell} text-xs tabular-nums`}>
        {/* The server's clock and time zone render it first: a difference is expected. */}
        <time dateTime={run.createdAt} suppressHydrationWarning>
          {formatClock(run.createdAt, now)}
        </time>
        {run.startedAt && (
          <span className="block text-ink-muted" suppressHydrationWarning>
            started {formatClock(run.startedAt, now)}
          </span>
        )}
      </td>
      <td className={`${cell} text-xs tabular-nums`} suppressHydrationWarning>
        {durationS === null ? "—" : formatDuration(durationS)}
        {run.eta && (
          <span data-testid="run-eta" className="block text-ink-muted" suppressHydrationWarning>
            {formatEta(run.eta.finishAt, now)}
          </span>
        )}
      </td>
      <td className={cell}>
        <RunActions run={run} />
      </td>
    </tr>
  );
}
