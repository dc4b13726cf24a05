/**
 * The TypeScript SDK of the task manager: a typed client for orchestrators and a worker loop
 * for agents, both over the plain-JSON tRPC API.
 */
export {
  createTaskManagerClient,
  createTrpc,
  type RouterInputs,
  type RouterOutputs,
  type ScheduleInput,
  type SignalInput,
  type SignalResult,
  type SubmittedWorkflow,
  type Task,
  type TaskConcurrency,
  type TaskInput,
  type TaskManagerClient,
  type TaskManagerClientOptions,
  type TaskManagerTrpc,
  type TaskState,
  TERMINAL_STATES,
  trpcUrl,
  type WaitForTaskOptions,
  type WorkflowInput,
  type WorkflowListInput,
  type WorkflowPage,
  type WorkflowRun,
} from "./client";
export { isNonRetryable, isTransient, LeaseLostError, NonRetryableError } from "./errors";
export * from "./worker";
