import { type ChildProcess, fork } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { WorkflowInput } from "@/sdk";
import type { ChildMessage, FanoutCategory, ParentMessage } from "./fanout-client";
import type { BenchEnvironment } from "./setup";
import { log, now } from "./stats";

export interface FanoutParams {
  subscribers: number;
  /** Child processes the subscribers are spread over (the server must be the bottleneck). */
  clients: number;
  /** Tasks in the one workflow whose events are delivered to every subscriber. */
  tasks: number;
  /** Streams opened at a time while connecting, per client process. */
  openConcurrency: number;
  /** Then single tasks, one every `steadyIntervalMs`: delivery when events do not come in a burst. */
  steadyEvents: number;
  steadyIntervalMs: number;
  timeoutMs: number;
  /** Called at the start and end of the burst and of the steady phase (`--profile`: the server's CPU profile). */
  onPhase?(name: FanoutCategory, edge: "start" | "end"): Promise<void> | void;
}

/** One forked subscriber process (fanout-client.ts) and its request/answer channel. */
function startClient() {
  const child: ChildProcess = fork(new URL("./fanout-client.ts", import.meta.url), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let pending: { resolve(message: ChildMessage): void; reject(error: Error): void } | undefined;
  let failure: Error | undefined;
  child.on("message", (message: ChildMessage) => {
    if (message.type === "error") {
      failure ??= new Error(`a fan-out client failed: ${message.message}`);
      pending?.reject(failure);
    } else pending?.resolve(message);
    if (message.type !== "error") pending = undefined;
  });
  child.on("exit", (code) => {
    failure ??= new Error(`a fan-out client exited (${code})`);
    pending?.reject(failure);
  });
  return {
    pid: () => child.pid,
    ask(message: ParentMessage, timeoutMs: number): Promise<ChildMessage> {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`a fan-out client: no answer to ${message.type} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        pending = {
          resolve: (answer) => {
            clearTimeout(timer);
            resolve(answer);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        child.send(message);
      });
    },
    async close() {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // The channel may close under us (the child failed meanwhile): then it is exiting anyway.
      child.send({ type: "close" } satisfies ParentMessage, (error) => {
        if (error) child.kill();
      });
      await Promise.race([exited, delay(5_000)]);
      if (child.exitCode === null) child.kill();
    },
  };
}

type Histogram = Map<number, number>;

/** p50 … max of a merged histogram of whole milliseconds. */
function histogramSummary(histogram: Histogram) {
  const entries = [...histogram].sort((a, b) => a[0] - b[0]);
  const n = entries.reduce((sum, [, count]) => sum + count, 0);
  const at = (q: number) => {
    const rank = Math.min(n - 1, Math.floor(q * (n - 1)));
    let seen = 0;
    for (const [value, count] of entries) {
      seen += count;
      if (seen > rank) return value;
    }
    return Number.NaN;
  };
  return { n, min: at(0), p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/**
 * Fan-out: N concurrent `events.stream` subscribers (no filter) in `clients` child processes,
 * all confirmed live by a marker event each receives, then one workflow of M tasks submitted at
 * once (the burst); per subscriber and event, delivery latency = receive time − the event's
 * createdAt (the database's clock, same machine; createdAt is its transaction's start, so this
 * includes the rest of the submit transaction). Then the same for single tasks submitted at a
 * steady pace. Server RSS sampled throughout.
 */
export async function runFanout(env: BenchEnvironment, params: FanoutParams) {
  const pid = env.serverPid();
  if (pid === undefined) throw new Error("the server's pid file is missing");
  const rss = rssSampler(pid);
  const rssBefore = await rss.sample();
  log(`fanout: server pid ${pid}, processes ${JSON.stringify(rssBefore.processes)}`);

  const clients = Array.from({ length: params.clients }, startClient);
  const everyClient = async (message: ParentMessage) =>
    Promise.all(clients.map((client) => client.ask(message, params.timeoutMs)));
  try {
    log(`fanout: opening ${params.subscribers} subscribers in ${clients.length} processes`);
    const openStarted = now();
    await Promise.all(
      clients.map((client, i) => {
        const share = Math.floor(params.subscribers / clients.length);
        const count = i === 0 ? params.subscribers - share * (clients.length - 1) : share;
        return client.ask(
          {
            type: "open",
            baseUrl: env.server.url,
            token: env.agentToken,
            count,
            concurrency: params.openConcurrency,
          },
          params.timeoutMs,
        );
      }),
    );
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
    const markerId = markerEvents.items[0]?.id;
    if (markerId === undefined) throw new Error("the marker's task.submitted event is missing");
    await everyClient({ type: "wait", what: "marker", markerId });
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
    await params.onPhase?.("burst", "start");
    const burstCpu = await cpuMeter([pid, ...clients.map((client) => client.pid())]);
    const submitStarted = now();
    await env.orchestrator.submitWorkflow({ name: "fanout", tasks });
    const submitReturnedAt = now();
    await everyClient({ type: "wait", what: "burst", count: params.tasks });
    const deliveredMs = now() - submitReturnedAt;
    const [serverMs = 0, ...clientsBurstMs] = await burstCpu();
    await params.onPhase?.("burst", "end");
    log(
      `fanout: submit took ${(submitReturnedAt - submitStarted).toFixed(0)} ms; all deliveries done ${deliveredMs.toFixed(0)} ms after it returned`,
    );

    log(
      `fanout: ${params.steadyEvents} single tasks, one every ${params.steadyIntervalMs} ms (steady, not a burst)`,
    );
    await params.onPhase?.("steady", "start");
    const steadyCpu = await cpuMeter([pid, ...clients.map((client) => client.pid())]);
    for (let i = 0; i < params.steadyEvents; i++) {
      await env.orchestrator.trpc.tasks.submit.mutate({
        name: `fanout steady ${i}`,
        capabilities: ["bench-fanout-nobody"],
      });
      await delay(params.steadyIntervalMs);
    }
    await everyClient({ type: "wait", what: "steady", count: params.steadyEvents });
    const [serverSteadyMs = 0, ...clientsSteadyMs] = await steadyCpu();
    await params.onPhase?.("steady", "end");
    const rssPeak = await rss.stop();

    const merged: Record<FanoutCategory, Histogram> = { burst: new Map(), steady: new Map() };
    let clientCpuMs = 0;
    let chunks = 0;
    for (const answer of await everyClient({ type: "report" })) {
      if (answer.type !== "report") continue;
      clientCpuMs += answer.cpuMs;
      chunks += answer.chunks;
      for (const category of ["burst", "steady"] as const) {
        for (const [latency, count] of answer.histograms[category]) {
          merged[category].set(latency, (merged[category].get(latency) ?? 0) + count);
        }
      }
    }
    const burst = histogramSummary(merged.burst);
    return {
      subscribers: params.subscribers,
      clients: params.clients,
      deliveries: burst.n,
      fromCreated: burst,
      steady: histogramSummary(merged.steady),
      openMs: Math.round(openMs),
      liveMs: Math.round(liveMs),
      allDeliveredMs: Math.round(deliveredMs),
      /**
       * CPU time: the server's and each client process's from the burst's submit until every
       * delivery, and over the steady phase; the clients' in all (opening included).
       */
      cpu: {
        serverBurstMs: serverMs,
        clientsBurstMs,
        serverSteadyMs,
        clientsSteadyMs,
        clientsMs: clientCpuMs,
        chunks,
      },
      rssBeforeMb: rssBefore.mb,
      rssConnectedMb: rssConnected.mb,
      rssPeakMb: rssPeak,
    };
  } finally {
    rss.stop();
    const closing = now();
    await Promise.all(clients.map((client) => client.close()));
    log(`fanout: closed the subscribers in ${(now() - closing).toFixed(0)} ms`);
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

/** Starts measuring the CPU time of `pids`; the function returned gives each one's since then. */
async function cpuMeter(pids: (number | undefined)[]): Promise<() => Promise<number[]>> {
  const at = (pid: number | undefined) => (pid === undefined ? 0 : cpuMs(pid).catch(() => 0));
  const start = await Promise.all(pids.map(at));
  return async () => {
    const end = await Promise.all(pids.map(at));
    return end.map((ms, i) => Math.round(ms - (start[i] ?? 0)));
  };
}

/** User + system CPU time of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); state (field 3) is fields[0] here.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
