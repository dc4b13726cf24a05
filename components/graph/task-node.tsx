"use client";

import { type NodeProps, Position } from "@xyflow/react";
import Link from "next/link";
import { memo } from "react";
import type { TaskFlowNode } from "@/lib/graph/elements";
import { STATUS_STYLES } from "@/lib/graph/status";
import { NodeHandles } from "./node-handles";

/**
 * One task: its name (as text, whatever it contains), its state by colour, icon and word, and
 * a thicker outline on the critical path. The whole box links to the task page.
 */
export const TaskNode = memo(function TaskNode({ data, targetPosition }: NodeProps<TaskFlowNode>) {
  const { task, critical } = data;
  const status = STATUS_STYLES[task.state];
  const progress =
    task.state === "running" && task.progress !== null
      ? ` ${Math.round(task.progress * 100)}%`
      : "";
  const body = (
    <>
      <span className="truncate font-medium" data-testid="graph-node-name">
        {task.name}
      </span>
      <span className="flex items-center gap-1 text-xs" data-testid="graph-node-status">
        <span aria-hidden="true">{status.icon}</span>
        {status.label}
        {progress}
        {critical ? (
          <span className="ml-auto font-semibold" title="On the critical path">
            <span aria-hidden="true">◆</span>
            <span className="sr-only">, on the critical path</span>
          </span>
        ) : null}
      </span>
    </>
  );
  const className = `flex h-16 w-[200px] flex-col justify-center gap-0.5 rounded-md border-2 px-2 text-left text-sm ${status.className} ${
    critical
      ? "outline outline-[3px] outline-offset-2 outline-fuchsia-700 dark:outline-fuchsia-400"
      : ""
  }`;
  return (
    <>
      <NodeHandles horizontal={targetPosition === Position.Left} />
      <Link
        href={`/tasks/${task.id}`}
        // Thousands of nodes: prefetching each task page would flood the server.
        prefetch={false}
        // xyflow turns pointer events off on nodes it need not select or drag.
        className={`${className} pointer-events-auto focus-visible:ring-4 focus-visible:ring-accent`}
        data-testid="graph-node"
        data-task-id={task.id}
        data-state={task.state}
        data-critical={critical}
      >
        {body}
      </Link>
    </>
  );
});
