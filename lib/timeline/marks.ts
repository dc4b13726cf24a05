/**
 * performance.mark once the run page's timeline first draws its rows (bars and axis) with
 * data: read back by the benchmark (scripts/bench/ui-timeline.ts).
 */
export const TIMELINE_RENDERED_MARK = "timeline-rendered";
