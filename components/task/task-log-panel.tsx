"use client";

import { useDeferredValue, useId, useMemo, useState } from "react";
import { filterLines, LEVELS, type Level, lineText } from "@/lib/task-log/format";
import { useTaskLog } from "@/lib/task-log/use-task-log";
import { TaskLogLines } from "./task-log-lines";

/**
 * The task's log: one tab per attempt, a level filter, a text search, a live tail that can be
 * switched off, and a download of the attempt's lines as text.
 */
export function TaskLogPanel({ taskId, live }: { taskId: string; live: boolean }) {
  const [follow, setFollow] = useState(live);
  const log = useTaskLog(taskId, follow);
  const [chosenAttempt, setChosenAttempt] = useState<number | null>(null);
  const [minLevel, setMinLevel] = useState<Level>("debug");
  const [search, setSearch] = useState("");
  const text = useDeferredValue(search);
  const id = useId();

  // Until a tab is chosen, the newest attempt: a retry's lines show up on their own.
  const attempt = chosenAttempt ?? log.attempts.at(-1) ?? null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: version marks appended lines
  const shown = useMemo(
    () => filterLines(log.lines, { attempt, minLevel, text }),
    [log.lines, log.version, attempt, minLevel, text],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: version marks appended lines
  const attemptTotal = useMemo(
    () => filterLines(log.lines, { attempt, minLevel: "debug", text: "" }).length,
    [log.lines, log.version, attempt],
  );

  const download = () => {
    const lines = log.lines.filter((line) => attempt === null || line.attempt === attempt);
    const blob = new Blob([lines.map(lineText).join("\n"), "\n"], { type: "text/plain" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = `task-${taskId}${attempt === null ? "" : `-attempt-${attempt}`}.log`;
    link.click();
    URL.revokeObjectURL(url);
  };

  const tabId = (n: number) => `${id}-attempt-${n}`;
  return (
    <section
      aria-labelledby={`${id}-heading`}
      className="flex flex-col gap-2"
      data-testid="task-log"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          Log
        </h2>
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <label className="flex items-center gap-1">
            Level
            <select
              value={minLevel}
              onChange={(event) => setMinLevel(event.target.value as Level)}
              className="rounded border border-ink-muted/40 bg-surface-raised px-1 py-0.5"
              data-testid="log-level"
            >
              {LEVELS.map((level) => (
                <option key={level} value={level}>
                  {level === "debug" ? "all" : `${level} and above`}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1">
            Search
            <input
              type="search"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
              className="w-40 rounded border border-ink-muted/40 bg-surface-raised px-1 py-0.5"
              data-testid="log-search"
            />
          </label>
          <button
            type="button"
            aria-pressed={follow}
            onClick={() => setFollow((on) => !on)}
            className="rounded border border-ink-muted/40 px-2 py-0.5 aria-pressed:bg-accent aria-pressed:text-surface"
            data-testid="log-follow"
          >
            Follow
          </button>
          <button
            type="button"
            onClick={download}
            disabled={log.lines.length === 0}
            className="rounded border border-ink-muted/40 px-2 py-0.5 disabled:opacity-50"
            data-testid="log-download"
          >
            Download
          </button>
        </div>
      </div>
      {log.error && (
        <p role="alert" className="text-sm text-danger">
          Could not load the log: {log.error}
        </p>
      )}
      {log.attempts.length > 0 && (
        <div role="tablist" aria-label="Attempts" className="flex flex-wrap gap-1 text-sm">
          {log.attempts.map((n) => (
            <button
              key={n}
              id={tabId(n)}
              type="button"
              role="tab"
              aria-selected={n === attempt}
              onClick={() => setChosenAttempt(n)}
              className="rounded-t border-b-2 border-transparent px-2 py-0.5 aria-selected:border-accent aria-selected:font-semibold"
            >
              Attempt {n}
            </button>
          ))}
        </div>
      )}
      {log.loading && log.lines.length === 0 ? (
        <p className="text-sm text-ink-muted">Loading…</p>
      ) : log.attempts.length === 0 ? (
        <p className="text-sm text-ink-muted" data-testid="log-empty">
          No log lines yet.{follow ? " New ones appear here as the agent logs them." : ""}
        </p>
      ) : (
        <TaskLogLines
          lines={shown}
          follow={follow}
          version={log.version}
          labelledBy={attempt === null ? `${id}-heading` : tabId(attempt)}
        />
      )}
      <p className="text-xs text-ink-muted" data-testid="log-summary">
        {shown.length.toLocaleString("en")} of {attemptTotal.toLocaleString("en")} lines
        {follow ? " · following" : ""}
      </p>
    </section>
  );
}
