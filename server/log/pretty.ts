/**
 * A terminal-friendly rendering of the JSON log lines: `12:03:04.567 WARN  [scheduler] message
 * key=value`, with an error's stack indented below. Used when stdout is a terminal; pipes and
 * files get the JSON lines as they are.
 */
const LEVEL_STYLE: Record<string, string> = {
  trace: "\x1b[90mTRACE",
  debug: "\x1b[36mDEBUG",
  info: "\x1b[32mINFO ",
  warn: "\x1b[33mWARN ",
  error: "\x1b[31mERROR",
  fatal: "\x1b[35mFATAL",
};
const RESET = "\x1b[0m";
const OMITTED = new Set(["level", "time", "pid", "hostname", "msg", "component", "err"]);

export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const time = typeof entry.time === "string" ? entry.time.slice(11, 23) : "";
  const level = LEVEL_STYLE[String(entry.level)] ?? String(entry.level).toUpperCase();
  const component = entry.component ? ` [${entry.component}]` : "";
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  let text = `${time} ${level}${RESET}${component} ${entry.msg ?? ""}`;
  if (fields.length > 0) text += ` \x1b[90m${fields.join(" ")}${RESET}`;
  text += "\n";
  let err = entry.err as { type?: string; message?: string; stack?: string; cause?: unknown };
  for (let depth = 0; err && typeof err === "object" && depth < 5; depth++) {
    text += `    ${depth > 0 ? "caused by " : ""}${err.type}: ${err.message}\n`;
    if (err.stack) text += `${err.stack.replace(/^/gm, "      ")}\n`;
    err = err.cause as typeof err;
  }
  return text;
}
