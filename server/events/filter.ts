import { and, eq, inArray, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { taskEvents } from "@/db/schema/tasks";

/** A kind (`task.started`) or, ending in a dot, every kind under a prefix (`task.`). */
const kindOrPrefix = z
  .string()
  .max(100)
  .regex(
    /^[a-z][a-z_]*(\.[a-z][a-z_]*)*\.?$/,
    "a kind such as task.started, or a prefix such as task.",
  );

/** Which events a subscriber or a poller wants; every given field must match. */
export const eventFilterInput = z.object({
  /** Any of these kinds or prefixes. */
  kinds: z.array(kindOrPrefix).min(1).max(50).optional(),
  workflowId: z.uuid().optional(),
  taskId: z.uuid().optional(),
  agentId: z.uuid().optional(),
});

export type EventFilter = z.infer<typeof eventFilterInput>;

/** The fields of an event row a filter looks at. */
export type FilterableEvent = Pick<
  typeof taskEvents.$inferSelect,
  "kind" | "taskId" | "workflowId" | "agentId"
>;

/** The filter in JavaScript, for the live feed. Must agree with `filterCondition`. */
export function matchesFilter(filter: EventFilter, event: FilterableEvent): boolean {
  if (filter.taskId !== undefined && event.taskId !== filter.taskId) return false;
  if (filter.workflowId !== undefined && event.workflowId !== filter.workflowId) return false;
  if (filter.agentId !== undefined && event.agentId !== filter.agentId) return false;
  if (filter.kinds === undefined) return true;
  return filter.kinds.some((kind) =>
    kind.endsWith(".") ? event.kind.startsWith(kind) : event.kind === kind,
  );
}

/** The filter in SQL, for catch-up reads and polling. Must agree with `matchesFilter`. */
export function filterCondition(filter: EventFilter): SQL | undefined {
  return and(
    filter.taskId === undefined ? undefined : eq(taskEvents.taskId, filter.taskId),
    filter.workflowId === undefined ? undefined : eq(taskEvents.workflowId, filter.workflowId),
    filter.agentId === undefined ? undefined : eq(taskEvents.agentId, filter.agentId),
    filter.kinds === undefined ? undefined : kindCondition(filter.kinds),
  );
}

function kindCondition(kinds: string[]): SQL | undefined {
  const exact = kinds.filter((kind) => !kind.endsWith("."));
  const prefixes = kinds.filter((kind) => kind.endsWith("."));
  // starts_with, not LIKE: `_` in a kind is a LIKE wildcard.
  return or(
    exact.length > 0 ? inArray(taskEvents.kind, exact) : undefined,
    ...prefixes.map((prefix) => sql`starts_with(${taskEvents.kind}, ${prefix})`),
  );
}
