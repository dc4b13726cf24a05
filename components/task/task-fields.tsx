import Link from "next/link";
import type { ReactNode } from "react";
import { agentLabel } from "@/lib/agents/use-agent-names";
import type { TaskDetail } from "@/lib/board/types";

const time = (iso: string | null) =>
  iso ? <time dateTime={iso}>{new Date(iso).toLocaleString()}</time> : "—";
const text = (value: string | number | null) =>
  value === null || value === "" ? "—" : String(value);

/** Every column of the task, in a definition list. */
export function TaskFields({
  task,
  agentNames,
}: {
  task: TaskDetail;
  agentNames: Map<string, string>;
}) {
  const rows: [string, ReactNode][] = [
    ["Id", <code key="id">{task.id}</code>],
    ["Type", task.type],
    [
      "Priority",
      <span key="p" data-testid="task-priority">
        {task.priority}
      </span>,
    ],
    ["Agent", task.agentId ? agentLabel(agentNames, task.agentId) : "—"],
    ["Attempts", `${task.attempts} of ${task.maxAttempts}`],
    [
      "Workflow",
      task.workflowId ? (
        <span key="wf" className="flex flex-wrap gap-x-3">
          <Link
            href={`/workflows/${task.workflowId}`}
            className="text-accent underline"
            data-testid="task-run-link"
          >
            Open its run
          </Link>
          <Link href={`/?workflow=${task.workflowId}`} className="text-accent underline">
            its tasks on the board
          </Link>
          <code className="text-xs text-ink-muted">{task.workflowId}</code>
        </span>
      ) : (
        "—"
      ),
    ],
    ["Key in workflow", text(task.key)],
    [
      "Parent task",
      task.parentTaskId ? (
        <Link key="parent" href={`/tasks/${task.parentTaskId}`} className="text-accent underline">
          {task.parentTaskId}
        </Link>
      ) : (
        "—"
      ),
    ],
    ["Capabilities", task.capabilities.length ? task.capabilities.join(", ") : "—"],
    [
      "Requires",
      Object.keys(task.requires).length
        ? Object.entries(task.requires)
            .map(([name, amount]) => `${name} ${amount}`)
            .join(", ")
        : "—",
    ],
    ["Trigger rule", task.triggerRule],
    [
      "Waits for signal",
      task.waitSignal === null
        ? "—"
        : `${task.waitSignal}${task.waitTimeoutS === null ? "" : `, at most ${task.waitTimeoutS} s`}`,
    ],
    ["Waiting since", time(task.waitingSince)],
    ["Wait times out", time(task.waitDeadline)],
    ["Unfinished dependencies", task.pendingDeps],
    ["Run at", time(task.runAt)],
    ["Timeout", task.timeoutS === null ? "—" : `${task.timeoutS} s`],
    ["Lease", `${task.leaseS} s`],
    ["Lease epoch", task.leaseEpoch],
    ["Lease expires", time(task.leaseExpiresAt)],
    ["Backoff", `${task.backoffBaseS} s doubling, at most ${task.backoffMaxS} s`],
    ["Idempotency key", text(task.idempotencyKey)],
    ["Cancel reason", text(task.cancelReason)],
    ["Created", time(task.createdAt)],
    ["Queued", time(task.queuedAt)],
    ["Started", time(task.startedAt)],
    ["Finished", time(task.finishedAt)],
    ["Updated", time(task.updatedAt)],
  ];
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm md:grid-cols-[auto_1fr_auto_1fr]">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-ink-muted">{label}</dt>
          <dd className="min-w-0 break-words">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
