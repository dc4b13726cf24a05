import type { GraphEdge, GraphTask } from "./types";

/** A task for tests: queued and never started unless told otherwise. */
export function task(id: string, fields: Partial<GraphTask> = {}): GraphTask {
  return {
    id,
    name: id,
    state: "queued",
    startedAt: null,
    finishedAt: null,
    progress: null,
    ...fields,
  };
}

/** A task that ran for `seconds`. */
export function ran(
  id: string,
  seconds: number,
  state: GraphTask["state"] = "succeeded",
): GraphTask {
  const start = Date.parse("2026-01-01T00:00:00Z");
  return task(id, {
    state,
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(start + seconds * 1000).toISOString(),
  });
}

/** `"a>b"` → an edge. */
export const edges = (...pairs: string[]): GraphEdge[] =>
  pairs.map((pair) => {
    const [from = "", to = ""] = pair.split(">");
    return { from, to };
  });

/**
 * `layers` × `width` tasks, each after 3 of the layer above (fan-in and fan-out), like the
 * benchmark's workflow.
 */
export function layeredDag(layers: number, width: number) {
  const ids: string[] = [];
  const links: GraphEdge[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) {
      ids.push(`l${layer}.${i}`);
      if (layer === 0) continue;
      for (const j of new Set([i, (i + 1) % width, (i + 7) % width])) {
        links.push({ from: `l${layer - 1}.${j}`, to: `l${layer}.${i}` });
      }
    }
  }
  return { ids, edges: links };
}
