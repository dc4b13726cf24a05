import { z } from "zod";
import { countTasks, countTasksInput } from "@/server/tasks/counts";
import { explainTask } from "@/server/tasks/explain";
import {
  getTask,
  getWorkflow,
  listTasks,
  listTasksInput,
  taskEvents,
  taskEventsInput,
} from "@/server/tasks/queries";
import { listWorkflows, listWorkflowsInput } from "@/server/workflows/list";
import { getWorkflowRun } from "@/server/workflows/summary";
import { workflowTimeline } from "@/server/workflows/timeline";
import { viewerProcedure } from "../trpc";

const idInput = z.object({ id: z.uuid() });

/**
 * The read side of `tasks`, as procedures rather than a router: the tasks router spreads them
 * next to its mutations (`createTRPCRouter({ ...taskQueryProcedures, submit, ... })`).
 */
export const taskQueryProcedures = {
  /** One task with every column and its edges. */
  get: viewerProcedure.input(idInput).query(({ ctx, input }) => getTask(ctx.db, input.id)),

  /** Filtered, newest first, keyset-paginated by `cursor`. */
  list: viewerProcedure.input(listTasksInput).query(({ ctx, input }) => listTasks(ctx.db, input)),

  /** Tasks per state among those matching the filters of `list` (the board's columns). */
  counts: viewerProcedure
    .input(countTasksInput)
    .query(({ ctx, input }) => countTasks(ctx.db, input)),

  /** The task's events in order, after `afterId`. */
  events: viewerProcedure
    .input(taskEventsInput)
    .query(({ ctx, input }) => taskEvents(ctx.db, input)),

  /** Why it is waiting (or who runs it, or how it ended). */
  explain: viewerProcedure.input(idInput).query(({ ctx, input }) => explainTask(ctx.db, input.id)),
};

/** The read side of `workflows`, spread into that router like the above. */
export const workflowQueryProcedures = {
  /** The workflow, its tasks and the DAG's edges. */
  get: viewerProcedure.input(idInput).query(({ ctx, input }) => getWorkflow(ctx.db, input.id)),

  /**
   * Workflow runs, newest first, keyset-paginated by `cursor`: derived state, counts per task
   * state, times and, while running, the ETA. Also the graph page's picker.
   */
  list: viewerProcedure
    .input(listWorkflowsInput)
    .query(({ ctx, input }) => listWorkflows(ctx.db, input)),

  /** One run as `list` shows it (state, counts, times, ETA): the run page's header. */
  run: viewerProcedure.input(idInput).query(({ ctx, input }) => getWorkflowRun(ctx.db, input.id)),

  /** Every task with its attempts (queued, claimed, ended, outcome): the run page's timeline. */
  timeline: viewerProcedure
    .input(idInput)
    .query(({ ctx, input }) => workflowTimeline(ctx.db, input.id)),
};
