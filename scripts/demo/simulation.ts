import { z } from "zod";
import { NonRetryableError, type TaskHandler } from "@/sdk";
import { abortableSleep } from "@/sdk/worker/backoff";

/**
 * What a demo task pretends to do, carried in its payload under `simulation`: the orchestrator
 * decides at submission whether and how a task fails, so a run is reproducible from its seed
 * and the agents need no shared state.
 */
export const simulationSchema = z.object({
  steps: z.array(z.object({ name: z.string().min(1), seconds: z.number().nonnegative() })).min(1),
  /** Attempts numbered up to this one fail with `transientError`, retryable. */
  failAttempts: z.number().int().min(0).default(0),
  transientError: z.string().default("upstream service unavailable"),
  /** Fails the task for good (NonRetryableError) in its last step. */
  fatalError: z.string().optional(),
  result: z.json().optional(),
});

export type Simulation = z.input<typeof simulationSchema>;

const payloadSchema = z.object({ simulation: simulationSchema });

/** Longest pause between two progress reports within one step, seconds. */
const PROGRESS_EVERY_S = 5;

/**
 * One handler for every demo task type: walks the simulation's steps, reporting progress
 * with the step's name (long steps report several times, as a training loop reports epochs),
 * and fails where the simulation says so. Stops early when the worker gives the task up.
 */
export const simulatedTask: TaskHandler = async (task, ctx) => {
  const parsed = payloadSchema.safeParse(task.payload);
  if (!parsed.success) {
    throw new NonRetryableError(`not a demo task: payload.simulation: ${parsed.error.message}`);
  }
  const sim = parsed.data.simulation;
  const total = sim.steps.reduce((sum, step) => sum + step.seconds, 0) || 1;
  const failing = task.attempt <= sim.failAttempts;
  // A retried failure happens part-way through the work, as a real one would.
  const failAt = Math.floor(sim.steps.length / 2);
  let done = 0;
  for (const [index, step] of sim.steps.entries()) {
    if (failing && index === failAt) throw new Error(sim.transientError);
    const ticks = Math.max(1, Math.ceil(step.seconds / PROGRESS_EVERY_S));
    for (let tick = 0; tick < ticks; tick++) {
      await ctx.progress({
        fraction: Math.min(1, (done + (step.seconds * tick) / ticks) / total),
        step: step.name,
        message: ticks > 1 ? `${step.name}: ${tick + 1} of ${ticks}` : undefined,
      });
      if (!(await abortableSleep((step.seconds * 1000) / ticks, ctx.signal))) {
        throw ctx.signal.reason;
      }
    }
    done += step.seconds;
    if (sim.fatalError && index === sim.steps.length - 1) {
      throw new NonRetryableError(sim.fatalError);
    }
  }
  return sim.result ?? { steps: sim.steps.length };
};
