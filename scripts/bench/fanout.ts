import { readdir, readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { WorkflowInput } from "@/sdk";
import type { WireEvent } from "@/server/events/read";
import type { BenchEnvironment } from "./setup";
import { chunksRead, openEventStream, type SseStream, waitUntil } from "./sse";
import { log, now, summary } from "./stats";

export interface FanoutParams {
  subscribers: number;
  /** Tasks in the one workflow whose events are delivered to every subscriber. */
  tasks: number;
  /** Streams opened at a time while connecting. */
  openConcurrency: number;
  /** Then single tasks, one every `steadyIntervalMs`: delivery when events do not come in a burst. */
  steadyEvents: number;
  steadyIntervalMs: number;
  timeoutMs: number;
}

interface Subscriber {
  stream: SseStream;
  /** Event ids seen (only the marker and the measured workflow's are kept). */
  seen: Set<number>;
  /** task.submitted events of the measured workflow received. */
  submitted: number;
  /** Steady-phase task.submitted events received. */
  steady: number;
}

/**
 * Fan-out: N concurrent `events.stream` subscribers (no filter), all confirmed live by a
 * marker event each receives, then one workflow of M tasks submitted; per subscriber and
 * event, delivery latency = receive time − the event's createdAt (the database's clock, same
 * machine; createdAt is its transaction's start, so this includes the rest of the submit
 * transaction), and − the submit call's return (can be negative). Then the same for single
 * tasks submitted at a steady pace. Server RSS sampled throughout.
 */
export async function runFanout(env: BenchEnvironment, params: FanoutParams) {
  const pid = env.serverPid();
  if (pid === undefined) throw new Error("the server's pid file is missing");
  const rss = rssSampler(pid);
  const rssBefore = await rss.sample();
  log(`fanout: server pid ${pid}, processes ${JSON.stringify(rssBefore.processes)}`);

  let markerId: number | undefined;
  let workflowId: string | undefined;
  let submitReturnedAt = Number.POSITIVE_INFINITY;
  const fromCreated: number[] = [];
  const fromSubmitReturn: number[] = [];
  let steadyPhase = false;
  const steadyMs: number[] = [];
  /** Events (of the measured workflow) seen before its id was known: measured afterwards. */
  const early: { subscriber: Subscriber; event: WireEvent; at: number }[] = [];
  const record = (subscriber: Subscriber, event: WireEvent, at: number) => {
    subscriber.submitted++;
    fromCreated.push(at - Date.parse(event.createdAt));
    fromSubmitReturn.push(at - submitReturnedAt);
  };

  const subscribers: Subscriber[] = [];
  const open = (): Subscriber => {
    const subscriber: Subscriber = {
      stream: undefined as unknown as SseStream,
      seen: new Set(),
      submitted: 0,
      steady: 0,
    };
    subscriber.stream = openEventStream({
      baseUrl: env.server.url,
      token: env.agentToken,
      onEvent(event, at) {
        if (steadyPhase && event.kind === "task.submitted" && event.workflowId === null) {
          subscriber.steady++;
          steadyMs.push(at - Date.parse(event.createdAt));
        } else if (event.kind === "task.submitted" && event.workflowId !== null) {
          if (workflowId === undefined) early.push({ subscriber, event, at });
          else if (event.workflowId === workflowId) record(subscriber, event, at);
        } else if (event.id === markerId || markerId === undefined) subscriber.seen.add(event.id);
      },
    });
    return subscriber;
  };

  const failures = () => subscribers.filter((s) => s.stream.error() !== undefined);
  const assertHealthy = () => {
    const failed = failures();
    if (failed.length > 0) {
      throw new Error(`${failed.length} streams failed, e.g. ${String(failed[0]?.stream.error())}`);
    }
    return false;
  };

  try {
    log(`fanout: opening ${params.subscribers} subscribers`);
    const openStarted = now();
    for (let offset = 0; offset < params.subscribers; offset += params.openConcurrency) {
      const batch = Array.from(
        { length: Math.min(params.openConcurrency, params.subscribers - offset) },
        open,
      );
      subscribers.push(...batch);
      await Promise.all(batch.map((subscriber) => subscriber.stream.opened));
    }
    const openMs = now() - openStarted;
    await rss.sample();

    // A marker task no agent can claim: once every subscriber has its event, all are live.
    const marker = await env.orchestrator.trpc.tasks.submit.mutate({
      name: "fanout marker",
      capabilities: ["bench-fanout-nobody"],
    });
    const markerEvents = await env.orchestrator.trpc.events.list.query({
      taskId: marker.task.id,
      kinds: ["task.submitted"],
    });
    markerId = markerEvents.items[0]?.id;
    if (markerId === undefined) throw new Error("the marker's task.submitted event is missing");
    const wantedMarker = markerId;
    await waitUntil(
      () => subscribers.every((s) => s.seen.has(wantedMarker)) || assertHealthy(),
      params.timeoutMs,
      "the marker on every subscriber",
      20,
    );
    const liveMs = now() - openStarted;
    log(
      `fanout: ${params.subscribers} streams open after ${openMs.toFixed(0)} ms, all live after ${liveMs.toFixed(0)} ms`,
    );
    const rssConnected = await rss.sample();

    const tasks: WorkflowInput["tasks"] = Array.from({ length: params.tasks }, (_, i) => ({
      key: `f${i}`,
      name: `fanout ${i}`,
      type: "noop",
      capabilities: ["bench-fanout-nobody"],
    }));
    rss.start(100);
    const clientCpu = process.cpuUsage();
    const chunksBefore = chunksRead();
    const serverCpu = await cpuMs(pid);
    const submitStarted = now();
    const submitted = await env.orchestrator.submitWorkflow({ name: "fanout", tasks });
    submitReturnedAt = now();
    workflowId = submitted.workflow.id;
    for (const { subscriber, event, at } of early.splice(0)) {
      if (event.workflowId === workflowId) record(subscriber, event, at);
    }
    await waitUntil(
      () => subscribers.every((s) => s.submitted >= params.tasks) || assertHealthy(),
      params.timeoutMs,
      `${params.tasks} task.submitted events on every subscriber`,
      10,
    );
    const deliveredMs = now() - submitReturnedAt;
    const rssPeak = await rss.stop();
    const clientCpuUsed = process.cpuUsage(clientCpu);
    const cpu = {
      benchMs: Math.round((clientCpuUsed.user + clientCpuUsed.system) / 1000),
      serverMs: Math.round((await cpuMs(pid)) - serverCpu),
      chunks: chunksRead() - chunksBefore,
    };
    log(
      `fanout: submit took ${(submitReturnedAt - submitStarted).toFixed(0)} ms; all ${fromCreated.length} deliveries done ${deliveredMs.toFixed(0)} ms after it returned`,
    );

    log(
      `fanout: ${params.steadyEvents} single tasks, one every ${params.steadyIntervalMs} ms (steady, not a burst)`,
    );
    steadyPhase = true;
    for (let i = 0; i < params.steadyEvents; i++) {
      await env.orchestrator.trpc.tasks.submit.mutate({
        name: `fanout steady ${i}`,
        capabilities: ["bench-fanout-nobody"],
      });
      await delay(params.steadyIntervalMs);
    }
    await waitUntil(
      () => subscribers.every((s) => s.steady >= params.steadyEvents) || assertHealthy(),
      params.timeoutMs,
      `${params.steadyEvents} steady events on every subscriber`,
      10,
    );
    steadyPhase = false;
    return {
      subscribers: params.subscribers,
      deliveries: fromCreated.length,
      fromCreated: summary(fromCreated),
      fromSubmitReturn: summary(fromSubmitReturn),
      steady: summary(steadyMs),
      openMs: Math.round(openMs),
      liveMs: Math.round(liveMs),
      allDeliveredMs: Math.round(deliveredMs),
      /** CPU time used from the submit until every delivery: this process's, the server's. */
      cpu,
      rssBeforeMb: rssBefore.mb,
      rssConnectedMb: rssConnected.mb,
      rssPeakMb: rssPeak,
    };
  } finally {
    rss.stop();
    const closing = now();
    await Promise.all(subscribers.map((s) => s.stream.close()));
    log(`fanout: closed ${subscribers.length} streams in ${(now() - closing).toFixed(0)} ms`);
  }
}

/**
 * RSS of the server process and its descendants (Next may run workers), from /proc, in MB;
 * `start` samples on a timer (the processes found by the last `sample()`), `stop` returns the
 * largest sample seen since creation.
 */
function rssSampler(rootPid: number) {
  let peak = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let pids = [rootPid];
  /** `rescan`: look for new child processes too (a scan of /proc: not on every timer tick). */
  const sample = async (rescan = true) => {
    if (rescan) pids = await descendants(rootPid);
    const processes: Record<number, number> = {};
    let total = 0;
    for (const pid of pids) {
      const kb = await vmRssKb(pid);
      if (kb === undefined) continue;
      processes[pid] = Math.round(kb / 1024);
      total += kb;
    }
    const mb = total / 1024;
    peak = Math.max(peak, mb);
    return { mb, processes };
  };
  return {
    sample,
    start(intervalMs: number) {
      timer ??= setInterval(() => void sample(false).catch(() => {}), intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      return peak;
    },
  };
}

async function vmRssKb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The pid and every process below it (from each /proc/<pid>/stat's ppid). */
async function descendants(rootPid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // The command may contain spaces and parentheses: fields resume after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // Exited meanwhile.
    }
  }
  const result: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    result.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return result;
}

/** User + system CPU time of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); state (field 3) is fields[0] here.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
