import type { LogLine } from "@/server/logs/read";

export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Lines of `attempt` at `minLevel` or above whose message (or fields) contain `text`. */
export function filterLines(
  lines: readonly LogLine[],
  params: { attempt: number | null; minLevel: Level; text: string },
): LogLine[] {
  const needle = params.text.trim().toLowerCase();
  const min = RANK[params.minLevel];
  return lines.filter(
    (line) =>
      (params.attempt === null || line.attempt === params.attempt) &&
      RANK[line.level] >= min &&
      (needle === "" || line.message.toLowerCase().includes(needle)),
  );
}

/** One line as plain text: `2026-01-02T03:04:05.678Z INFO message {"fields":…}`. */
export function lineText(line: LogLine): string {
  const fields = line.fields ? ` ${JSON.stringify(line.fields)}` : "";
  return `${line.at} ${line.level.toUpperCase().padEnd(5)} ${line.message}${fields}`;
}

/** The time of day of a line, to the millisecond, in the browser's zone. */
export function lineTime(at: string): string {
  const date = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
