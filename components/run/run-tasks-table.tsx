"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useMemo, useState } from "react";
import { StateBadge } from "@/components/task/state-badge";
import { useNow } from "@/lib/hooks/use-now";
import { formatDuration } from "@/lib/run/format";
import { type RunTaskRow, type RunTaskSort, runTaskRows } from "@/lib/run/task-rows";
import { TASK_STATES } from "@/lib/tasks/states";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

const COLUMNS: { key: RunTaskSort; label: string }[] = [
  { key: "state", label: "State" },
  { key: "name", label: "Name" },
  { key: "type", label: "Type" },
  { key: "agent", label: "Agent" },
  { key: "attempts", label: "Attempts" },
  { key: "waitS", label: "Wait" },
  { key: "durationS", label: "Duration" },
];

/** The run's tasks as a table: sortable by any column, filtered by state and by name. */
export function RunTasksTable({ workflowId }: { workflowId: string }) {
  const trpc = useTRPC();
  const timeline = useQuery(trpc.workflows.timeline.queryOptions({ id: workflowId }));
  const [sort, setSort] = useState<{ key: RunTaskSort; desc: boolean }>({
    key: "name",
    desc: false,
  });
  const [state, setState] = useState("");
  const [text, setText] = useState("");
  const stateId = useId();
  const textId = useId();
  const now = useNow(5_000);
  const serverNow = timeline.data
    ? Date.parse(timeline.data.now) + Math.max(0, now - timeline.dataUpdatedAt)
    : now;
  const rows = useMemo(
    () =>
      runTaskRows(timeline.data?.tasks ?? [], serverNow, {
        sort: sort.key,
        desc: sort.desc,
        state,
        text,
      }),
    [timeline.data, serverNow, sort, state, text],
  );

  if (timeline.isPending) return <p role="status">Loading the tasks…</p>;
  if (timeline.isError) {
    return (
      <p role="alert" className="text-danger">
        The tasks could not be loaded: {errorMessage(timeline.error)}
      </p>
    );
  }
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <div className="flex flex-col gap-0.5">
          <label htmlFor={stateId}>State</label>
          <select
            id={stateId}
            value={state}
            onChange={(event) => setState(event.target.value)}
            className="rounded border border-ink-muted/40 bg-surface-raised px-2 py-1"
          >
            <option value="">any</option>
            {TASK_STATES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </div>
        <div className="flex flex-col gap-0.5">
          <label htmlFor={textId}>Name contains</label>
          <input
            id={textId}
            type="search"
            value={text}
            onChange={(event) => setText(event.target.value)}
            className="rounded border border-ink-muted/40 bg-surface-raised px-2 py-1"
          />
        </div>
        <p className="text-ink-muted" aria-live="polite">
          {rows.length} of {timeline.data.tasks.length} tasks
        </p>
      </div>
      <div className="max-h-[32rem] overflow-auto rounded border border-ink-muted/20">
        <table className="w-full text-sm" data-testid="run-tasks">
          <thead className="sticky top-0 bg-surface">
            <tr>
              {COLUMNS.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  className="px-2 py-1 text-left font-medium"
                  aria-sort={
                    sort.key === column.key ? (sort.desc ? "descending" : "ascending") : undefined
                  }
                >
                  <button
                    type="button"
                    className="underline-offset-2 hover:underline"
                    onClick={() =>
                      setSort((current) => ({
                        key: column.key,
                        desc: current.key === column.key ? !current.desc : false,
                      }))
                    }
                  >
                    {column.label}
                    {sort.key === column.key && (
                      <span aria-hidden="true">{sort.desc ? " ▼" : " ▲"}</span>
                    )}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <TaskRow key={row.id} row={row} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function TaskRow({ row }: { row: RunTaskRow }) {
  return (
    <tr className="border-t border-ink-muted/10" data-testid="run-task-row" data-task-id={row.id}>
      <td className="px-2 py-1">
        <StateBadge state={row.state} />
      </td>
      <td className="max-w-xs truncate px-2 py-1">
        <Link href={`/tasks/${row.id}`} className="text-accent underline">
          {row.name}
        </Link>
      </td>
      <td className="px-2 py-1">{row.type}</td>
      <td className="px-2 py-1">{row.agent ?? "—"}</td>
      <td className="px-2 py-1 tabular-nums">{row.attempts}</td>
      <td className="px-2 py-1 tabular-nums">
        {row.waitS === null ? "—" : formatDuration(row.waitS)}
      </td>
      <td className="px-2 py-1 tabular-nums">
        {row.durationS === null ? "—" : formatDuration(row.durationS)}
      </td>
    </tr>
  );
}
