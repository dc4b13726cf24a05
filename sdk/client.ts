import { createTRPCClient, httpBatchLink, httpLink, type TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { TERMINAL_STATES } from "@/lib/tasks/states";
import type { AppRouter } from "@/server/api/root";
import { createNodeFetch } from "./node-fetch";
import { abortableSleep } from "./worker/backoff";

export type RouterInputs = inferRouterInputs<AppRouter>;
/** As received: plain JSON, so timestamps are ISO strings (the API has no transformer). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type WorkflowInput = RouterInputs["workflows"]["submit"];
export type SubmittedWorkflow = RouterOutputs["workflows"]["submit"];
export type TaskInput = RouterInputs["tasks"]["submit"];
/** `{ key, limit }`: at most `limit` tasks with `key` run at once, one limit per key. */
export type TaskConcurrency = NonNullable<TaskInput["concurrency"]>;
export type Task = RouterOutputs["tasks"]["get"];
export type WorkflowListInput = RouterInputs["workflows"]["list"];
export type WorkflowPage = RouterOutputs["workflows"]["list"];
export type WorkflowRun = WorkflowPage["items"][number];
export type { TaskState } from "@/lib/tasks/states";
export { TERMINAL_STATES };
export type ScheduleInput = RouterInputs["schedules"]["create"];
export type ScheduleUpdate = RouterInputs["schedules"]["update"];
export type Schedule = RouterOutputs["schedules"]["create"];
/** A schedule with its coming fire times, its latest fires and their runs' states. */
export type ScheduleDetail = RouterOutputs["schedules"]["get"];
export type SchedulePreviewInput = RouterInputs["schedules"]["preview"];
/** `tasks.signal`: `taskId`, or `workflowId` and `key`; `signal`; `outcome`, `payload`, `reason`. */
export type SignalInput = RouterInputs["tasks"]["signal"];
export type SignalResult = RouterOutputs["tasks"]["signal"];
export type TaskManagerTrpc = TRPCClient<AppRouter>;

export interface TaskManagerClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  token: string;
  /** Default: Node's `http` over kept-alive connections (node-fetch.ts), not the global fetch. */
  fetch?: typeof fetch;
  /**
   * Send calls made in the same tick as one HTTP request (default true). The agent worker
   * turns it off: a batch answers only when its slowest call does, and a long-polling claim
   * must not hold a completion back.
   */
  batch?: boolean;
}

/** The tRPC endpoint under a base URL (a URL already naming it is kept). */
export function trpcUrl(url: string): string {
  const base = url.replace(/\/+$/, "");
  return base.endsWith("/api/trpc") ? base : `${base}/api/trpc`;
}

let nodeFetch: typeof fetch | undefined;

/** One pool of kept-alive connections for the process's clients, as the global fetch has. */
function sharedFetch(): typeof fetch {
  nodeFetch ??= createNodeFetch();
  return nodeFetch;
}

/** A typed tRPC client with the token as a Bearer header. */
export function createTrpc(options: TaskManagerClientOptions): TaskManagerTrpc {
  const linkOptions = {
    url: trpcUrl(options.url),
    headers: { authorization: `Bearer ${options.token}` },
    fetch: options.fetch ?? sharedFetch(),
  };
  return createTRPCClient<AppRouter>({
    links: [options.batch === false ? httpLink(linkOptions) : httpBatchLink(linkOptions)],
  });
}

export interface WaitForTaskOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** First pause between polls (default 100 ms); each next one is 1.5 times longer. */
  intervalMs?: number;
  /** Longest pause between polls (default 2 s). */
  maxIntervalMs?: number;
  signal?: AbortSignal;
}

/** For orchestrators: the whole API as `trpc`, plus the helpers most scripts need. */
export function createTaskManagerClient(options: TaskManagerClientOptions) {
  const trpc = createTrpc(options);
  return {
    trpc,
    /** A whole DAG in one call; tasks refer to each other by `key`. */
    submitWorkflow: (input: WorkflowInput): Promise<SubmittedWorkflow> =>
      trpc.workflows.submit.mutate(input),
    /** Workflow runs, newest first; pass `nextCursor` back as `cursor` for the next page. */
    listWorkflows: (input: WorkflowListInput = {}): Promise<WorkflowPage> =>
      trpc.workflows.list.query(input),
    /** Cancels every unfinished task of the workflow; running ones lose their lease. */
    cancelWorkflow: (id: string, reason?: string) => trpc.workflows.cancel.mutate({ id, reason }),
    /** Re-runs its failed tasks and the tasks their failure cancelled; succeeded ones stay. */
    retryWorkflow: (id: string) => trpc.workflows.retry.mutate({ id }),
    /** No task of the workflow is claimed until `resumeWorkflow`; running ones finish. */
    pauseWorkflow: (id: string) => trpc.workflows.pause.mutate({ id }),
    resumeWorkflow: (id: string) => trpc.workflows.resume.mutate({ id }),
    /** A recurring task or workflow (cron or `everyS`); its spec is validated now. */
    createSchedule: (input: ScheduleInput): Promise<Schedule> =>
      trpc.schedules.create.mutate(input),
    /** Changes some fields; the merged schedule is validated whole. */
    updateSchedule: (input: ScheduleUpdate): Promise<Schedule> =>
      trpc.schedules.update.mutate(input),
    deleteSchedule: (id: string) => trpc.schedules.delete.mutate({ id }),
    getSchedule: (id: string): Promise<ScheduleDetail> => trpc.schedules.get.query({ id }),
    listSchedules: (input: { limit?: number; afterName?: string } = {}) =>
      trpc.schedules.list.query(input),
    pauseSchedule: (id: string): Promise<Schedule> => trpc.schedules.pause.mutate({ id }),
    /** Fires start again from now; the paused time is not replayed. */
    resumeSchedule: (id: string): Promise<Schedule> => trpc.schedules.resume.mutate({ id }),
    /** A run now, whatever the timing and the overlap policy say. */
    triggerSchedule: (id: string) => trpc.schedules.trigger.mutate({ id }),
    /** The next fire times of a cron expression or interval, before saving it. */
    previewSchedule: (input: SchedulePreviewInput) => trpc.schedules.preview.query(input),
    /** Re-runs a failed or cancelled task; `withDependents`: and what its failure cancelled. */
    retryTask: (id: string, options: { withDependents?: boolean } = {}) =>
      trpc.tasks.retry.mutate({ id, withDependents: options.withDependents }),
    /**
     * Resolves a task waiting for a signal (`waitFor` in its spec): `outcome: "succeed"`
     * (default) makes `payload` its result and releases its dependents; `"fail"` fails it for
     * good (`reason` in its error). A task not waiting for that signal: CONFLICT.
     */
    signal: (input: SignalInput): Promise<SignalResult> => trpc.tasks.signal.mutate(input),
    /**
     * Resolves with the task once it is succeeded, failed or cancelled. Polls `tasks.get`
     * with growing pauses: simple, and fine for a client (the server side never polls).
     */
    waitForTask: (id: string, waitOptions: WaitForTaskOptions = {}) =>
      waitForTask(trpc, id, waitOptions),
  };
}

export type TaskManagerClient = ReturnType<typeof createTaskManagerClient>;

async function waitForTask(
  trpc: TaskManagerTrpc,
  id: string,
  options: WaitForTaskOptions,
): Promise<Task> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let pause = options.intervalMs ?? 100;
  for (;;) {
    const task = await trpc.tasks.get.query({ id }, { signal: options.signal });
    if (TERMINAL_STATES.includes(task.state)) return task;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`task ${id} still ${task.state} after ${options.timeoutMs ?? 60_000} ms`);
    }
    if (!(await abortableSleep(Math.min(pause, left), options.signal))) {
      throw options.signal?.reason ?? new Error("aborted");
    }
    pause = Math.min(pause * 1.5, options.maxIntervalMs ?? 2_000);
  }
}
