import { type LayoutInput, type LayoutResult, layoutGraph } from "./layout";
import type { LayoutRequest, LayoutResponse } from "./layout.worker";
import { LAYOUT_MEASURE } from "./marks";

/**
 * Graphs this small are laid out inline: dagre takes a few milliseconds for them, less than
 * starting the worker (a wall screen of small graphs never needs one).
 */
const INLINE_MAX_NODES = 100;

/** Layouts kept per page, by workflow and structure. A few, so switching back is instant. */
const CACHE_SIZE = 12;
const cache = new Map<string, LayoutResult>();

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve(r: LayoutResult): void; reject(e: Error): void }>();

function layoutWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(new URL("./layout.worker.ts", import.meta.url));
  created.onmessage = (event: MessageEvent<LayoutResponse>) => {
    const pending = waiting.get(event.data.id);
    waiting.delete(event.data.id);
    if (event.data.result) pending?.resolve(event.data.result);
    else pending?.reject(new Error(event.data.error ?? "layout failed"));
  };
  created.onerror = (event) => {
    // A worker that fails to load fails every pending request; the next one starts afresh.
    for (const pending of waiting.values()) pending.reject(new Error(event.message));
    waiting.clear();
    worker = undefined;
  };
  worker = created;
  return created;
}

/**
 * Starts the worker ahead of need (its script loads while the workflow is still being
 * fetched), so the first big layout pays only for the layout.
 */
export function prepareLayoutWorker(): void {
  if (typeof Worker !== "undefined") layoutWorker();
}

export function cachedLayout(key: string): LayoutResult | undefined {
  return cache.get(key);
}

/**
 * Lays the graph out in a Web Worker, so thousands of nodes never freeze the page, and
 * caches the result under `key` (workflow id + layoutKey). Small graphs, and any graph
 * without Worker support, are laid out inline.
 */
export async function layoutOffThread(key: string, input: LayoutInput): Promise<LayoutResult> {
  const hit = cache.get(key);
  if (hit) return hit;
  const start = `${LAYOUT_MEASURE}:${key}`;
  performance.mark(start);
  const result =
    typeof Worker === "undefined" || input.nodes.length <= INLINE_MAX_NODES
      ? layoutGraph(input)
      : await new Promise<LayoutResult>((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          layoutWorker().postMessage({ id, input } satisfies LayoutRequest);
        });
  performance.measure(LAYOUT_MEASURE, { start, detail: { key, nodes: input.nodes.length } });
  performance.clearMarks(start);
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return result;
}
