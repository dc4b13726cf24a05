import type { TaskManagerClient } from "@/sdk";
import { abortableSleep } from "@/sdk/worker/backoff";
import {
  buildWorkflow,
  WORKFLOW_KINDS,
  type WorkflowKind,
  type WorkflowSettings,
} from "./workflows";

export type PerKind = Record<WorkflowKind, number>;

export interface DemoOrchestratorParams {
  client: TaskManagerClient;
  settings: WorkflowSettings;
  /** How many workflows of each kind to keep unfinished. */
  inFlight: PerKind;
  /** Pause between two rounds of "which finished? submit replacements". */
  tickMs: number;
  signal: AbortSignal;
  onSubmitted(kind: WorkflowKind, workflowId: string): void;
  onError(error: unknown): void;
}

const UNFINISHED = ["blocked", "queued", "running"] as const;

/**
 * The demo's orchestrator: keeps `inFlight` workflows of each kind going, submitting a new
 * one when one ends. Bounded like this, the demo can run for hours without the queue growing,
 * and whether a workflow ended is read from the server, which also sees tasks the agents never
 * touch (dependents cancelled because an upstream task failed).
 */
export function startDemoOrchestrator(params: DemoOrchestratorParams) {
  const active = new Map<string, WorkflowKind>();
  const submitted: PerKind = { research: 0, training: 0, code: 0 };

  async function stillRunning(workflowId: string): Promise<boolean> {
    const { items } = await params.client.trpc.tasks.list.query(
      { workflowId, state: [...UNFINISHED], limit: 1 },
      { signal: params.signal },
    );
    return items.length > 0;
  }

  async function forgetFinished(): Promise<void> {
    await Promise.all(
      [...active.keys()].map(async (id) => {
        try {
          if (!(await stillRunning(id))) active.delete(id);
        } catch (error) {
          if (!params.signal.aborted) params.onError(error);
        }
      }),
    );
  }

  /** One workflow per kind and round at most: a start ramps up over a few rounds, not at once. */
  async function topUp(): Promise<void> {
    for (const kind of WORKFLOW_KINDS) {
      if (params.signal.aborted) return;
      const running = [...active.values()].filter((k) => k === kind).length;
      if (running >= params.inFlight[kind]) continue;
      try {
        const { workflow } = await params.client.submitWorkflow(
          buildWorkflow[kind](params.settings),
        );
        active.set(workflow.id, kind);
        submitted[kind]++;
        params.onSubmitted(kind, workflow.id);
      } catch (error) {
        if (!params.signal.aborted) params.onError(error);
      }
    }
  }

  const done = (async () => {
    while (!params.signal.aborted) {
      await forgetFinished();
      await topUp();
      await abortableSleep(params.tickMs, params.signal);
    }
  })();

  return {
    /** Resolves once the loop has stopped (after `signal` aborts). */
    done,
    submitted: (): PerKind => ({ ...submitted }),
    active: (): PerKind => {
      const counts: PerKind = { research: 0, training: 0, code: 0 };
      for (const kind of active.values()) counts[kind]++;
      return counts;
    },
  };
}
