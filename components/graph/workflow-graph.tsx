"use client";

import "@xyflow/react/dist/style.css";
import "./workflow-graph.css";
import {
  Background,
  Controls,
  type FitViewOptions,
  MiniMap,
  type NodeTypes,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
} from "@xyflow/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { collapseFinished, uncollapsed } from "@/lib/graph/collapse";
import { criticalPath } from "@/lib/graph/critical-path";
import {
  buildElements,
  criticalInView,
  type GraphFlowNode,
  layoutInputOf,
  NODE_HEIGHT,
  NODE_WIDTH,
} from "@/lib/graph/elements";
import type { LayoutDirection } from "@/lib/graph/layout";
import { RENDERED_MARK } from "@/lib/graph/marks";
import type { GraphEdge, GraphTask } from "@/lib/graph/types";
import { useGraphLayout } from "@/lib/graph/use-graph-layout";
import { useNow } from "@/lib/hooks/use-now";
import { GraphActionsContext } from "./graph-actions";
import { GroupNode } from "./group-node";
import { TaskNode } from "./task-node";

/** Up to this many nodes the graph opens fitted whole into view. */
const FIT_ALL_MAX_NODES = 200;
/** A bigger graph opens on the nodes in this box at its start (graph units, centred across). */
const FIRST_VIEW = { across: 1_300, along: 400 };

const nodeTypes: NodeTypes = { task: TaskNode, group: GroupNode };

export interface WorkflowGraphProps {
  workflow: { id: string; tasks: readonly GraphTask[]; edges: readonly GraphEdge[] };
  /** Draw each connected set of succeeded tasks as one box. */
  collapseFinished?: boolean;
  /** The graph's accessible name. */
  label?: string;
}

/** Ranks run top to bottom: a run page is taller than wide once its tabs are open. */
const direction: LayoutDirection = "TB";

/**
 * A workflow's DAG on the run page's Graph tab, laid out in layers off the main thread, with
 * each task's live state and the critical path. (The wall draws its small graphs with its own
 * grid: components/wall/mini-dag.tsx.)
 */
export function WorkflowGraph({
  workflow,
  collapseFinished: collapse = false,
  label = "Dependency graph",
}: WorkflowGraphProps) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  // A fresh "collapse" starts with every group collapsed again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on the switch only
  useEffect(() => setExpanded(new Set()), [collapse, workflow.id]);

  const { tasks, edges } = workflow;
  const view = useMemo(
    () => (collapse ? collapseFinished(tasks, edges, expanded) : uncollapsed(tasks, edges)),
    [collapse, tasks, edges, expanded],
  );
  const layoutInput = useMemo(() => layoutInputOf(view, direction), [view]);
  const { layout, current: layoutCurrent, error } = useGraphLayout(workflow.id, layoutInput);

  // Running tasks' weight grows with time: recompute the path now and then, not per second.
  const now = useNow(15_000);
  const critical = useMemo(
    () => criticalInView(view, criticalPath(tasks, edges, now)),
    [view, tasks, edges, now],
  );

  const previous = useRef<ReadonlyMap<string, GraphFlowNode>>(new Map());
  const elements = useMemo(
    () =>
      layout
        ? buildElements(view, layout, critical, previous.current, direction)
        : { nodes: [], edges: [] },
    [view, layout, critical],
  );
  useEffect(() => {
    previous.current = new Map(elements.nodes.map((node) => [node.id, node]));
  }, [elements]);

  // Fitting thousands of nodes into view draws them all, as dots, which takes many seconds.
  // A big graph opens instead readable at its beginning (the first tasks of the first rank);
  // the minimap gives the overview and the controls' "fit view" the whole graph on demand.
  const fitViewOptions = useMemo(() => {
    if (!layout || view.nodes.length <= FIT_ALL_MAX_NODES) return { padding: 0.1 };
    const placed = Object.entries(layout.positions);
    const [across, along] = direction === "TB" ? (["x", "y"] as const) : (["y", "x"] as const);
    // Ranks are centred across, so the start of the graph is its first ranks' middle.
    const first = Math.min(...placed.map(([, p]) => p[along]));
    const middle = (direction === "TB" ? layout.width : layout.height) / 2;
    const start = placed
      .filter(
        ([, p]) =>
          p[along] - first < FIRST_VIEW.along &&
          Math.abs(p[across] + (across === "x" ? NODE_WIDTH : NODE_HEIGHT) / 2 - middle) <
            FIRST_VIEW.across / 2,
      )
      .map(([id]) => ({ id }));
    // Never empty: an empty list would fit (and so draw) the whole graph.
    const firstNode = placed.find(([, p]) => p[along] === first)?.[0];
    if (start.length === 0 && firstNode !== undefined) start.push({ id: firstNode });
    return { nodes: start, minZoom: 0.5, maxZoom: 1, padding: 0.05 };
  }, [layout, view.nodes.length]);

  const actions = useMemo(
    () => ({
      linkTasks: true,
      expandGroup: (groupId: string) => setExpanded((before) => new Set([...before, groupId])),
    }),
    [],
  );

  return (
    <section
      aria-label={label}
      className="relative w-full overflow-hidden rounded-md border border-ink-muted/30 bg-surface-raised"
      style={{ height: "70vh" }}
      data-testid="workflow-graph"
      data-node-count={elements.nodes.length}
      data-edge-count={elements.edges.length}
    >
      {error ? (
        <p role="alert" className="p-4 text-danger">
          The graph could not be laid out: {error.message}
        </p>
      ) : !layout ? (
        <p className="p-4 text-ink-muted" role="status">
          Laying out {tasks.length} tasks…
        </p>
      ) : (
        <GraphActionsContext.Provider value={actions}>
          <ReactFlow
            // A new workflow starts from a fresh viewport fitted to it.
            key={workflow.id}
            nodes={elements.nodes}
            edges={elements.edges}
            nodeTypes={nodeTypes}
            onlyRenderVisibleElements
            fitView
            fitViewOptions={fitViewOptions}
            minZoom={0.02}
            maxZoom={2}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            // Each node's link or button takes focus; xyflow's own wrapper need not.
            nodesFocusable={false}
            edgesFocusable={false}
          >
            <Background />
            <Controls showInteractive={false} />
            {elements.nodes.length < 40 ? null : (
              <MiniMap pannable zoomable ariaLabel="Overview of the whole graph" />
            )}
            <RenderedMark />
            <FitWhenChanged trigger={collapse} ready={layoutCurrent} options={fitViewOptions} />
          </ReactFlow>
        </GraphActionsContext.Provider>
      )}
    </section>
  );
}

/**
 * Fits the view again when `trigger` changes (collapsing or expanding everything moves every
 * box), once the layout for the new structure has arrived.
 */
function FitWhenChanged({
  trigger,
  ready,
  options,
}: {
  trigger: unknown;
  ready: boolean;
  options: FitViewOptions;
}) {
  const { fitView } = useReactFlow();
  const fitted = useRef(trigger);
  useEffect(() => {
    if (!ready || fitted.current === trigger) return;
    fitted.current = trigger;
    // A frame later: xyflow applies the new nodes in its own effects.
    requestAnimationFrame(() => void fitView(options));
  }, [trigger, ready, options, fitView]);
  return null;
}

/**
 * Marks, once per page load, the first frame painted after the nodes are known and the view
 * fitted (the frame after the one that applied them): the graph's first full render.
 */
function RenderedMark() {
  const initialised = useNodesInitialized();
  useEffect(() => {
    if (!initialised || performance.getEntriesByName(RENDERED_MARK).length > 0) return;
    requestAnimationFrame(() => requestAnimationFrame(() => performance.mark(RENDERED_MARK)));
  }, [initialised]);
  return null;
}
