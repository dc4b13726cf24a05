"use client";

import { type NodeProps, Position } from "@xyflow/react";
import { memo } from "react";
import type { GroupFlowNode } from "@/lib/graph/elements";
import { STATUS_STYLES } from "@/lib/graph/status";
import { useGraphActions } from "./graph-actions";
import { NodeHandles } from "./node-handles";

/** A collapsed branch of succeeded tasks; pressing it shows them again. */
export const GroupNode = memo(function GroupNode({
  data,
  targetPosition,
}: NodeProps<GroupFlowNode>) {
  const { expandGroup } = useGraphActions();
  const status = STATUS_STYLES.succeeded;
  const className = `flex h-16 w-[200px] flex-col justify-center gap-0.5 rounded-md border-2 border-double px-2 text-left text-sm shadow-[4px_4px_0_0] shadow-emerald-700/40 ${status.className} ${
    data.critical
      ? "outline outline-[3px] outline-offset-2 outline-fuchsia-700 dark:outline-fuchsia-400"
      : ""
  }`;
  const body = (
    <>
      <span className="font-medium">{data.count} tasks collapsed</span>
      <span className="text-xs">
        <span aria-hidden="true">{status.icon}</span> All succeeded — expand
      </span>
    </>
  );
  return (
    <>
      <NodeHandles horizontal={targetPosition === Position.Left} />
      <button
        type="button"
        // xyflow turns pointer events off on nodes it need not select or drag.
        className={`${className} pointer-events-auto focus-visible:ring-4 focus-visible:ring-accent`}
        onClick={() => expandGroup(data.groupId)}
        data-testid="graph-group"
        data-count={data.count}
      >
        {body}
      </button>
    </>
  );
});
