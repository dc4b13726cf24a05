/** The newest events a run page shows; older ones stay in `events.list` for whoever pages. */
export const RUN_EVENTS_LIMIT = 200;

/** The run page's `events.list` input: one query key shared by the view and its refresher. */
export const runEventsInput = (workflowId: string) => ({ workflowId, limit: RUN_EVENTS_LIMIT });
