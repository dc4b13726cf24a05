import { startFleet } from "./fleet";
import type { BenchEnvironment } from "./setup";
import { log, now, summary } from "./stats";

export interface SignalParams {
  rounds: number;
  workers: number;
  timeoutMs: number;
}

/**
 * `signal_to_dependent_claim`: a gate (`waitFor: {signal: "go"}`) and one task after it; once
 * the gate waits, the orchestrator signals it through the SDK, and the time from the signal
 * call's acknowledgement to a waiting worker's long-poll claim returning the dependent is
 * measured. One round at a time, so each claim is woken by its own release.
 */
export async function runSignalLatency(env: BenchEnvironment, params: SignalParams) {
  const claimed = new Map<string, number>();
  const fleet = await startFleet(env, {
    name: "bench-signals",
    size: params.workers,
    handlers: { after: async () => ({}) },
  });
  for (const worker of fleet.workers) {
    worker.events.on("claimed", ({ tasks, at }) => {
      for (const task of tasks) claimed.set(task.id, at);
    });
  }
  const values: number[] = [];
  try {
    log(
      `signals: ${params.rounds} gates signalled one at a time, ${params.workers} waiting workers`,
    );
    for (let round = 0; round < params.rounds; round++) {
      const { tasks } = await env.orchestrator.submitWorkflow({
        name: `signal ${round}`,
        tasks: [
          { key: "gate", name: "gate", waitFor: { signal: "go" } },
          {
            key: "after",
            name: "after",
            type: "after",
            capabilities: ["bench-signals"],
            dependsOn: ["gate"],
          },
        ],
      });
      const gateId = tasks.find((task) => task.key === "gate")?.id ?? "";
      const afterId = tasks.find((task) => task.key === "after")?.id ?? "";
      const done = fleet.completions(1, params.timeoutMs);
      await env.orchestrator.signal({ taskId: gateId, signal: "go", payload: { round } });
      const acknowledged = now();
      await done;
      const at = claimed.get(afterId);
      if (at !== undefined) values.push(at - acknowledged);
    }
    return { claim: summary(values), problems: fleet.problems() };
  } finally {
    await fleet.stop();
  }
}
