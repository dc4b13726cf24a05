import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type Outputs = inferRouterOutputs<AppRouter>;

/** A `tasks.list` row as the browser receives it (plain JSON: timestamps are ISO strings). */
export type TaskSummary = Outputs["tasks"]["list"]["items"][number];
export type TaskDetail = Outputs["tasks"]["get"];

/**
 * What a card shows. The board's caches hold these: rows from `tasks.list`, and tasks made up
 * from live events (a new task's `task.submitted` carries only these fields).
 */
export type BoardTask = Pick<
  TaskSummary,
  | "id"
  | "name"
  | "type"
  | "state"
  | "priority"
  | "agentId"
  | "workflowId"
  | "progress"
  | "progressStep"
  | "progressMessage"
  | "attempts"
  | "cancelReason"
  | "createdAt"
>;

/** One page of a column, as `tasks.list` answers. */
export interface BoardPage {
  items: BoardTask[];
  nextCursor: string | null;
}

/** Tasks per page of a column: a screenful and then some. */
export const BOARD_PAGE_SIZE = 50;
