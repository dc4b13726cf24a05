import { setTimeout as delay } from "node:timers/promises";
import { createTaskManagerClient } from "@/sdk";
import type { WireEvent } from "@/server/events/read";
import type { BenchEnvironment } from "./setup";
import { openEventStream, waitUntil } from "./sse";
import { log, now, summary } from "./stats";

export interface AlertParams {
  rounds: number;
  /** Per wait for an alert event. */
  timeoutMs: number;
}

const CAPABILITY = "bench-alerts";

/**
 * Alert latency, condition true → `alert.opened` on `events.stream`: per round a fresh pool
 * of capacity 2 and a task requiring 2 of it; the instant the agent's claim returns the pool
 * is full (above the resource_usage threshold). The task is then completed at once, and the
 * `alert.resolved` that follows the clear hold is timed from that completion's return (all
 * rounds' resolutions are awaited together at the end: each takes the hold, 30 s).
 */
export async function runAlertLatency(env: BenchEnvironment, params: AlertParams) {
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  const agentClient = createTaskManagerClient({
    url: env.server.url,
    token: env.agentToken,
    batch: false,
  });
  const agent = await agentClient.trpc.agents.register.mutate({
    name: "bench-alerts-agent",
    capabilities: [CAPABILITY],
  });

  const opened = new Map<string, { at: number; event: WireEvent }>();
  const resolved = new Map<string, { at: number; event: WireEvent }>();
  const stream = openEventStream({
    baseUrl: env.server.url,
    token: env.server.adminToken,
    input: { kinds: ["alert."] },
    onEvent(event, at) {
      const subject = (event.data as { subject?: string } | null)?.subject ?? "";
      if (!subject.startsWith("pool:bench_alert_")) return;
      if (event.kind === "alert.opened" && !opened.has(subject)) opened.set(subject, { at, event });
      if (event.kind === "alert.resolved" && !resolved.has(subject)) {
        resolved.set(subject, { at, event });
      }
    },
  });
  const streamFailed = () => {
    const error = stream.error();
    if (error) throw error;
    return false;
  };
  try {
    await stream.opened;
    // The subscription is registered once an event reaches it; a claim made before that could
    // raise an alert the stream starts after. Opening a stream cannot emit an event, so wait a
    // beat instead (the first round is then measured like the others).
    await delay(500);

    const run = `${Date.now().toString(36)}`;
    const openMs: number[] = [];
    /** Condition clear (completion returned) per subject, for the resolution times. */
    const clearedAt = new Map<string, number>();
    const alertToSse: number[] = [];
    log(`alerts: ${params.rounds} rounds, pool capacity 2, a task requiring 2 claimed`);
    for (let round = 0; round < params.rounds; round++) {
      const pool = `bench_alert_${run}_${round}`;
      const subject = `pool:${pool}`;
      await admin.trpc.resources.upsert.mutate({ name: pool, scope: "pool", capacity: 2 });
      await env.orchestrator.trpc.tasks.submit.mutate({
        name: `alert ${round}`,
        capabilities: [CAPABILITY],
        requires: { [pool]: 2 },
      });
      const claim = await agentClient.trpc.agents.claim.mutate({
        agentId: agent.id,
        max: 1,
        waitMs: 5_000,
      });
      const conditionAt = now();
      const task = claim.tasks[0];
      if (!task) throw new Error(`alerts round ${round}: the claim returned no task`);
      await waitUntil(
        () => opened.has(subject) || streamFailed(),
        params.timeoutMs,
        `alert.opened for ${subject}`,
        2,
      );
      const hit = opened.get(subject);
      if (hit) {
        openMs.push(hit.at - conditionAt);
        const openedAt = (hit.event.data as { openedAt?: string }).openedAt;
        if (openedAt) alertToSse.push(hit.at - Date.parse(openedAt));
      }
      await agentClient.trpc.tasks.complete.mutate({
        agentId: agent.id,
        taskId: task.id,
        leaseEpoch: task.leaseEpoch,
      });
      clearedAt.set(subject, now());
      // Conditions do not come true in step with the evaluator's once-a-second wake-ups.
      await delay(100 + Math.random() * 900);
    }

    log(`alerts: waiting for the ${params.rounds} resolutions (30 s clear hold)`);
    await waitUntil(
      () => [...clearedAt.keys()].every((subject) => resolved.has(subject)) || streamFailed(),
      params.timeoutMs + 60_000,
      "every alert.resolved",
      20,
    );
    const resolveMs = [...clearedAt].map(
      ([subject, at]) => (resolved.get(subject)?.at ?? Number.NaN) - at,
    );
    return {
      open: summary(openMs),
      resolve: summary(resolveMs),
      /** The alert row's openedAt (database clock) to the stream: the delivery part. */
      openedAtToStream: summary(alertToSse),
    };
  } finally {
    await stream.close();
  }
}
