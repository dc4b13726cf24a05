import type { RouterInputs, TaskManagerTrpc } from "../client";
import { retryTransient } from "./backoff";
import { Batcher } from "./batcher";
import type { TypedEmitter } from "./events";
import { now } from "./reports";
import type { AgentWorkerEvents, ClaimedTask, LogFields, LogLevel } from "./types";

type LogLine = RouterInputs["tasks"]["logMany"]["items"][number]["lines"][number];

interface PendingLine {
  task: ClaimedTask;
  line: LogLine;
}

export interface LogShipperParams {
  trpc: TaskManagerTrpc;
  agentId: () => string;
  events: TypedEmitter<AgentWorkerEvents>;
  giveUp: AbortSignal;
  delayMs: number;
  /** Most lines per logMany request. */
  maxLines: number;
  /** Called after each batch was answered (or given up): the backlog shrank. */
  onSent?: () => void;
}

export type LogShipper = ReturnType<typeof createLogShipper>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Replaces what the API refuses in text (server/validation/text.ts): NUL, lone surrogates. */
const storable = (text: string) =>
  text.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATE, "\uFFFD");
/** The server cuts a line at 16 KiB anyway: no need to send megabytes of it. */
const MAX_SENT_CHARS = 64 * 1024;

/** The server refuses fields over 64 KiB (and the whole request with them). */
const MAX_FIELDS_BYTES = 60 * 1024;

/**
 * Fields as JSON the API takes: a plain object, or nothing (a cycle, a BigInt, too large).
 * JSON.stringify escapes NUL and lone surrogates (`\u0000`, `\ud800`), which PostgreSQL
 * refuses, in keys as in values: they are replaced in the encoded text.
 */
function jsonFields(fields: LogFields | undefined): LogLine["fields"] {
  if (fields === undefined) return undefined;
  try {
    const json = JSON.stringify(fields)
      ?.replaceAll("\\u0000", "\\ufffd")
      .replace(/\\ud[89a-f][0-9a-f]{2}/gi, "\\ufffd");
    if (json === undefined || Buffer.byteLength(json) > MAX_FIELDS_BYTES) return undefined;
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as LogLine["fields"])
      : undefined;
  } catch {
    // Not JSON-serialisable: the line is still worth having, without its fields.
    return undefined;
  }
}

/**
 * Collects handlers' log lines and sends them in batches, one tasks.logMany per flush (items
 * grouped by task, each fenced by its lease). A task's lines are flushed before its outcome
 * is reported (reports.ts calls flush()): once a task is finished its lease refuses them.
 */
export function createLogShipper(params: LogShipperParams) {
  const { trpc, events } = params;

  async function send(batch: PendingLine[]): Promise<void> {
    const byTask = new Map<string, { task: ClaimedTask; lines: LogLine[] }>();
    for (const { task, line } of batch) {
      const key = `${task.id}:${task.leaseEpoch}`;
      const entry = byTask.get(key) ?? { task, lines: [] };
      entry.lines.push(line);
      byTask.set(key, entry);
    }
    const items = [...byTask.values()];
    try {
      const { results } = await retryTransient(
        () =>
          trpc.tasks.logMany.mutate({
            agentId: params.agentId(),
            items: items.map(({ task, lines }) => ({
              taskId: task.id,
              leaseEpoch: task.leaseEpoch,
              lines,
            })),
          }),
        {
          signal: params.giveUp,
          onError: (error) => events.emit("error", { error, during: "log", at: now() }),
        },
      );
      results.forEach((outcome, index) => {
        if (outcome.ok) return;
        const error = Object.assign(new Error(outcome.message), { code: outcome.code });
        events.emit("error", { error, during: "log", taskId: items[index]?.task.id, at: now() });
      });
    } catch (error) {
      events.emit("error", { error, during: "log", at: now() });
    } finally {
      params.onSent?.();
    }
  }

  const batcher = new Batcher<PendingLine>({
    delayMs: params.delayMs,
    maxBatch: params.maxLines,
    send,
  });

  return {
    push(task: ClaimedTask, level: LogLevel, message: string, fields?: LogFields): void {
      const text = storable(String(message).slice(0, MAX_SENT_CHARS));
      const line: LogLine = { level, message: text, at: new Date().toISOString() };
      const json = jsonFields(fields);
      if (json) line.fields = json;
      batcher.push({ task, line });
    },
    /** Sends the lines pushed so far; resolves once the server has answered for them. */
    flush: () => batcher.flush(),
    drain: () => batcher.drain(),
    get backlog(): number {
      return batcher.size;
    },
  };
}
