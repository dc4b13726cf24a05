import Link from "next/link";
import { RunStateBadge } from "@/components/runs/run-state-badge";
import { StateBadge } from "@/components/task/state-badge";
import type { WorkflowState } from "@/lib/runs/states";
import type { ScheduleDetail } from "@/lib/schedules/form-values";
import { formatInZone } from "@/lib/schedules/format";
import type { TaskState } from "@/lib/tasks/states";

type Fire = ScheduleDetail["recentFires"][number];

function FireState({ fire }: { fire: Fire }) {
  if (fire.outcome === "skipped") {
    return <span className="text-ink-muted">Skipped: {fire.reason}</span>;
  }
  if (fire.state === null) return <span className="text-ink-muted">run no longer kept</span>;
  return fire.workflowId ? (
    <RunStateBadge state={fire.state as WorkflowState} />
  ) : (
    <StateBadge state={fire.state as TaskState} />
  );
}

/** A schedule's latest fires, newest first: each links to its run and shows the run's state. */
export function RecentFires({ schedule }: { schedule: ScheduleDetail }) {
  if (schedule.recentFires.length === 0) {
    return <p className="text-sm text-ink-muted">No fire yet.</p>;
  }
  return (
    <ol className="flex flex-col gap-0.5 text-sm" data-testid="schedule-fires">
      {schedule.recentFires.map((fire) => {
        const when = formatInZone(fire.fireAt, schedule.timezone);
        const href = fire.workflowId
          ? `/workflows/${fire.workflowId}`
          : fire.taskId
            ? `/tasks/${fire.taskId}`
            : null;
        return (
          <li
            key={fire.fireAt}
            data-testid="schedule-fire"
            data-outcome={fire.outcome}
            className="flex flex-wrap items-baseline gap-x-2 tabular-nums"
          >
            {href ? (
              <Link href={href} className="text-accent underline-offset-2 hover:underline">
                <span className="sr-only">{fire.workflowId ? "Workflow run" : "Task"} fired </span>
                <time dateTime={fire.fireAt}>{when}</time>
              </Link>
            ) : (
              <time dateTime={fire.fireAt}>{when}</time>
            )}
            <FireState fire={fire} />
          </li>
        );
      })}
    </ol>
  );
}
