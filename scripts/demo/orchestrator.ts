import type { TaskManagerClient } from "@/sdk";
import { errorCode } from "@/sdk/errors";
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

const UNFINISHED = ["blocked", "waiting", "queued", "running"] as const;

/** The demo's editor answers an approval this long after it appears, seconds (unscaled). */
const REVIEW_AFTER_S: readonly [number, number] = [20, 60];
/** The share of drafts the editor sends back. */
const REJECT_SHARE = 0.1;

/** The kind of a workflow the demo submitted (its metadata says so), else undefined. */
function demoKind(metadata: unknown): WorkflowKind | undefined {
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const { demo, kind } = metadata as { demo?: unknown; kind?: unknown };
  return demo === true ? WORKFLOW_KINDS.find((k) => k === kind) : undefined;
}

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
    // No abort signal: these calls are short, and one listener per call on the shared signal
    // would pile up (a stop waits for this round instead).
    const { items } = await params.client.trpc.tasks.list.query({
      workflowId,
      state: [...UNFINISHED],
      limit: 1,
    });
    return items.length > 0;
  }

  /** When the demo's editor will answer each approval it has seen (ms since the epoch). */
  const reviewAt = new Map<string, number>();

  /**
   * The human in the loop, simulated: each draft waiting for approval is approved (or, now and
   * then, rejected) some seconds after it appeared, so the Approvals page always has a few.
   */
  async function reviewApprovals(): Promise<void> {
    const { items } = await params.client.trpc.approvals.list.query({ limit: 100 });
    const { random, timeScale } = params.settings;
    const waiting = new Set(items.map((item) => item.taskId));
    for (const id of reviewAt.keys()) if (!waiting.has(id)) reviewAt.delete(id);
    for (const item of items) {
      const due = reviewAt.get(item.taskId);
      if (due === undefined) {
        const [min, max] = REVIEW_AFTER_S;
        reviewAt.set(item.taskId, Date.now() + random.between(min, max) * timeScale * 1000);
        continue;
      }
      if (due > Date.now() || params.signal.aborted) continue;
      reviewAt.delete(item.taskId);
      const input = random.chance(REJECT_SHARE)
        ? { outcome: "fail" as const, reason: "sources too thin: add two more" }
        : { outcome: "succeed" as const, payload: { approved: true, comment: "demo editor: ok" } };
      try {
        await params.client.signal({ taskId: item.taskId, signal: "approval", ...input });
      } catch (error) {
        // Someone answered it first on the Approvals page: nothing left to do.
        if (errorCode(error) !== "CONFLICT") throw error;
      }
    }
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

  /**
   * A previous run's unfinished workflows count towards this run's targets: repeated runs then
   * carry on with them instead of piling new ones on top. Recognised by their metadata.
   */
  async function adoptUnfinished(): Promise<void> {
    const { items } = await params.client.trpc.tasks.list.query({
      state: [...UNFINISHED],
      limit: 500,
    });
    const ids = new Set(items.flatMap((task) => (task.workflowId ? [task.workflowId] : [])));
    for (const id of ids) {
      const workflow = await params.client.trpc.workflows.get.query({ id });
      const kind = demoKind(workflow.metadata);
      if (kind) active.set(id, kind);
    }
  }

  const done = (async () => {
    try {
      await adoptUnfinished();
    } catch (error) {
      params.onError(error);
    }
    while (!params.signal.aborted) {
      await forgetFinished();
      await topUp();
      try {
        await reviewApprovals();
      } catch (error) {
        if (!params.signal.aborted) params.onError(error);
      }
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
