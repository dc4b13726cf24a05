"use client";

import { useEffect, useReducer, useRef, useState } from "react";
import { useTRPCClient } from "@/lib/trpc/client";
import type { LogLine } from "@/server/logs/read";

/** Lines per history request: 100,000 lines load in ten. */
const PAGE = 10_000;
/** The first request's: lines show as soon as a small page has come, the rest follow. */
const FIRST_PAGE = 1_000;
/** After a fatal stream error, wait this long before following again, doubling. */
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 15_000;

export interface TaskLog {
  /** Every line loaded so far, in sequence order (all attempts). */
  lines: readonly LogLine[];
  /** Attempts that have lines, in order. */
  attempts: readonly number[];
  loading: boolean;
  error: string | null;
  /** Changes whenever lines were added: memoised views key on it. */
  version: number;
}

/**
 * A task's whole log in the browser: the history, page by page, then (while `follow` is on)
 * `tasks.followLog` from the last sequence number loaded, so nothing is missed or repeated
 * between the two, nor when following is switched off and on again. Lines live in a ref and
 * a version counter re-renders: 100,000 lines are appended to, never copied.
 */
export function useTaskLog(taskId: string, follow: boolean): TaskLog {
  const client = useTRPCClient();
  const store = useRef({ lines: [] as LogLine[], attempts: [] as number[], lastSeq: 0 });
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const append = (lines: readonly LogLine[]) => {
    const state = store.current;
    let added = false;
    for (const line of lines) {
      if (line.seq <= state.lastSeq) continue;
      state.lines.push(line);
      state.lastSeq = line.seq;
      if (!state.attempts.includes(line.attempt)) state.attempts.push(line.attempt);
      added = true;
    }
    if (added) bump();
  };
  const appendRef = useRef(append);
  appendRef.current = append;

  useEffect(() => {
    store.current = { lines: [], attempts: [], lastSeq: 0 };
    bump();
    setLoading(true);
    setError(null);
    let cancelled = false;
    void (async () => {
      try {
        let afterSeq: number | undefined;
        for (;;) {
          const limit = afterSeq === undefined ? FIRST_PAGE : PAGE;
          const page = await client.tasks.logs.query({ taskId, afterSeq, limit });
          if (cancelled) return;
          appendRef.current(page.lines);
          if (page.nextAfterSeq === null) break;
          afterSeq = page.nextAfterSeq;
        }
      } catch (caught) {
        if (!cancelled) setError(caught instanceof Error ? caught.message : String(caught));
      } finally {
        if (!cancelled) setLoading(false);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, taskId]);

  useEffect(() => {
    if (!follow || loading) return;
    let stopped = false;
    let delay = RESTART_MIN_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let subscription: { unsubscribe(): void } | undefined;
    const restart = () => {
      subscription?.unsubscribe();
      if (stopped) return;
      timer = setTimeout(start, delay);
      delay = Math.min(delay * 2, RESTART_MAX_MS);
    };
    function start() {
      subscription = client.tasks.followLog.subscribe(
        { taskId, lastEventId: String(store.current.lastSeq) },
        {
          onStarted: () => {
            delay = RESTART_MIN_MS;
          },
          onData: ({ data }) => appendRef.current(data.lines),
          onError: restart,
          onComplete: restart,
        },
      );
    }
    start();
    return () => {
      stopped = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
    };
  }, [client, taskId, follow, loading]);

  return {
    lines: store.current.lines,
    attempts: store.current.attempts,
    loading,
    error,
    version,
  };
}
