import type { ActiveWorkflow } from "@/server/tasks/active-workflows";
import { miniDagGrid } from "./mini-dag-grid";
import { TASK_STATUS } from "./task-status";

/** Nodes drawn at most per graph; the rest are counted under it. */
export const MAX_NODES = 24;

const STEP_X = 40;
const STEP_Y = 26;
const RADIUS = 10;
const PAD = 14;

/**
 * A workflow's DAG in a few square centimetres: layered left to right by longest path, one
 * circle per task in its state's colour with its state's glyph. Decorative for assistive
 * technology (aria-hidden): the card around it states the counts by state in words.
 */
export function MiniDag({ workflow }: { workflow: Pick<ActiveWorkflow, "tasks" | "edges"> }) {
  const tasks = workflow.tasks.slice(0, MAX_NODES);
  const layout = miniDagGrid(
    tasks.map((task) => task.id),
    workflow.edges,
  );
  const width = Math.max(1, layout.layers - 1) * STEP_X + PAD * 2;
  const height = Math.max(1, layout.rows - 1) * STEP_Y + PAD * 2;
  const at = (id: string) => {
    const node = layout.nodes.get(id);
    return node ? { x: PAD + node.layer * STEP_X, y: PAD + node.row * STEP_Y } : null;
  };
  return (
    <svg
      aria-hidden="true"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="xMidYMid meet"
      className="mx-auto block h-full w-full"
      // Never drawn larger than ~0.7 em per node radius: a two-task graph stays as small as its
      // neighbours' nodes rather than filling its card.
      style={{ maxWidth: `${width / 14}em`, maxHeight: `${height / 14}em` }}
    >
      {workflow.edges.map((edge) => {
        const from = at(edge.from);
        const to = at(edge.to);
        if (!from || !to) return null;
        return (
          <line
            key={`${edge.from}>${edge.to}`}
            x1={from.x + RADIUS}
            y1={from.y}
            x2={to.x - RADIUS}
            y2={to.y}
            stroke="#64748b"
            strokeWidth="1.5"
          />
        );
      })}
      {tasks.map((task) => {
        const point = at(task.id);
        if (!point) return null;
        const look = TASK_STATUS[task.state];
        return (
          <g key={task.id} data-state={task.state}>
            <circle
              cx={point.x}
              cy={point.y}
              r={RADIUS}
              fill={look.fill}
              stroke={look.stroke}
              strokeWidth="2"
            />
            <text
              x={point.x}
              y={point.y}
              textAnchor="middle"
              dominantBaseline="central"
              fontSize="11"
              fill={look.stroke}
            >
              {look.icon}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
