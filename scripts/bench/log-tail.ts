/**
 * `log_tail_p99_ms`: one agent logs a line, waits until a `tasks.followLog` subscriber has it,
 * and goes again: the time from the call to the line on the stream.
 */
import { createTaskManagerClient } from "@/sdk";
import type { LogLine } from "@/server/logs/read";
import { parseSseMessage } from "@/test/sse-message";
import { holdTask } from "./held-task";
import type { BenchEnvironment } from "./setup";
import { log, now, quantile } from "./stats";

/** Latencies of `lines` lines logged one at a time to a held task and followed. */
export async function tailLatency(env: BenchEnvironment, lines: number): Promise<number[]> {
  const held = await holdTask(env, "followed");
  try {
    return await followedLatencies(env, held.lease, lines);
  } finally {
    held.stop();
  }
}

/**
 * The agent logs `lines` lines one at a time; each call's start to the moment a followLog
 * stream (read as any HTTP client would) delivers that line.
 */
async function followedLatencies(
  env: BenchEnvironment,
  lease: { agentId: string; taskId: string; leaseEpoch: number },
  lines: number,
): Promise<number[]> {
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  const arrivals = new Map<number, number>();
  let notify: (() => void) | undefined;
  const controller = new AbortController();
  const url = new URL("/api/trpc/tasks.followLog", env.server.url);
  url.searchParams.set("input", JSON.stringify({ taskId: lease.taskId }));
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", authorization: `Bearer ${env.server.adminToken}` },
    signal: controller.signal,
  });
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader || response.status !== 200) throw new Error(`followLog: HTTP ${response.status}`);
  let connected: () => void = () => {};
  const isConnected = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const reading = (async () => {
    let buffer = "";
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      const at = now();
      buffer += chunk.value;
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      for (const block of blocks) {
        const message = parseSseMessage(block);
        if (message?.event === "connected") connected();
        if (message?.event !== "message") continue;
        for (const line of (JSON.parse(message.data) as { lines: LogLine[] }).lines) {
          arrivals.set(Number(line.message), at);
        }
        notify?.();
      }
    }
  })();
  await isConnected;

  const latencies: number[] = [];
  for (let i = 0; i < lines; i++) {
    const arrived = new Promise<void>((resolve) => {
      notify = () => {
        if (arrivals.has(i)) resolve();
      };
    });
    const started = now();
    await admin.trpc.tasks.log.mutate({
      agentId: lease.agentId,
      taskId: lease.taskId,
      leaseEpoch: lease.leaseEpoch,
      lines: [{ level: "info", message: String(i) }],
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      arrived,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`line ${i} never reached the follower`)), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    latencies.push((arrivals.get(i) ?? Number.NaN) - started);
  }
  controller.abort();
  await reading;
  log(`logs: tail p50 ${quantile(latencies, 0.5).toFixed(1)} ms over ${lines} lines`);
  return latencies;
}
