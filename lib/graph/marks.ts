/**
 * Names of the performance entries the graph leaves in the page, which the benchmark
 * (scripts/bench/ui-graph.ts) reads back.
 */

/** performance.measure of each layout's worker round trip. */
export const LAYOUT_MEASURE = "graph-layout";

/** performance.mark once the first full graph is on screen. */
export const RENDERED_MARK = "graph-rendered";
