import { Handle, Position } from "@xyflow/react";

/**
 * Invisible attachment points: xyflow draws edges between handles. Their side follows the
 * layout's direction (TB: top in, bottom out; LR: left in, right out).
 */
export function NodeHandles({ horizontal }: { horizontal: boolean }) {
  return (
    <>
      <Handle
        type="target"
        position={horizontal ? Position.Left : Position.Top}
        isConnectable={false}
        className="!pointer-events-none !opacity-0"
      />
      <Handle
        type="source"
        position={horizontal ? Position.Right : Position.Bottom}
        isConnectable={false}
        className="!pointer-events-none !opacity-0"
      />
    </>
  );
}
