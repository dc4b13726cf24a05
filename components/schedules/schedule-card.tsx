import type { ScheduleDetail } from "@/lib/schedules/form-values";
import { formatEvery, formatInZone } from "@/lib/schedules/format";
import { RecentFires } from "./recent-fires";
import { ScheduleActions } from "./schedule-actions";

/** What a fire submits, by the spec's own name: user text, rendered as text. */
function specName(schedule: ScheduleDetail): string {
  return (schedule.kind === "task" ? schedule.task?.name : schedule.workflow?.name) ?? "";
}

/**
 * One schedule: its timing, what it submits, its next fire times in its own zone, its latest
 * fires with their runs, and (for those who manage it) its actions.
 */
export function ScheduleCard({
  schedule,
  onEdit,
}: {
  schedule: ScheduleDetail;
  onEdit: () => void;
}) {
  const headingId = `schedule-${schedule.id}`;
  return (
    <li
      data-testid="schedule-card"
      data-schedule-id={schedule.id}
      aria-labelledby={headingId}
      className="flex flex-col gap-3 rounded-lg border border-ink-muted/20 bg-surface-raised p-4"
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="flex min-w-0 flex-col gap-1">
          <h2 id={headingId} className="truncate text-lg font-semibold" title={schedule.name}>
            {schedule.name}
          </h2>
          <p className="text-sm" data-testid="schedule-timing">
            {schedule.cron !== null ? (
              <>
                cron <code className="font-mono">{schedule.cron}</code> in {schedule.timezone}
              </>
            ) : (
              formatEvery(schedule.everyS ?? 0)
            )}
            {" · "}
            submits a {schedule.kind}{" "}
            <span className="font-medium" data-testid="schedule-spec-name">
              {specName(schedule)}
            </span>
          </p>
          <p className="text-xs text-ink-muted">
            overlap {schedule.overlap} · catch-up {schedule.catchup}
            {schedule.catchup === "all" ? ` (${schedule.catchupWindowS} s)` : ""}
            {schedule.source === "config" ? " · from task-manager.yaml" : ""}
          </p>
        </div>
        {schedule.paused && (
          <span
            data-testid="schedule-paused"
            className="rounded border border-violet-700/40 px-2 py-0.5 text-sm font-medium text-violet-700 dark:text-violet-300"
          >
            <span aria-hidden="true">⏸ </span>Paused
          </span>
        )}
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        <section aria-label={`Next fire times of ${schedule.name}`}>
          <h3 className="text-sm font-medium">Next fires ({schedule.timezone})</h3>
          {schedule.upcoming.length === 0 ? (
            <p className="text-sm text-ink-muted" data-testid="schedule-upcoming-none">
              {schedule.paused ? "None while paused." : "None: the schedule has ended."}
            </p>
          ) : (
            <ol className="text-sm tabular-nums" data-testid="schedule-upcoming">
              {schedule.upcoming.map((at) => (
                <li key={at}>
                  <time dateTime={at}>{formatInZone(at, schedule.timezone)}</time>
                </li>
              ))}
            </ol>
          )}
        </section>
        <section aria-label={`Latest fires of ${schedule.name}`}>
          <h3 className="text-sm font-medium">Latest fires</h3>
          <RecentFires schedule={schedule} />
        </section>
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer">Spec</summary>
        <pre
          data-testid="schedule-spec"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard
          tabIndex={0}
          className="mt-1 max-h-80 overflow-auto rounded border border-ink-muted/20 bg-surface p-2 font-mono text-xs"
        >
          {JSON.stringify(schedule.kind === "task" ? schedule.task : schedule.workflow, null, 2)}
        </pre>
      </details>
      {schedule.canManage && <ScheduleActions schedule={schedule} onEdit={onEdit} />}
    </li>
  );
}
