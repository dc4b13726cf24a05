import { formatDuration } from "@/lib/runs/format";

/** A wait or run time: "85 ms", "1.4 s", then as formatDuration ("3 min 20 s"). */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  return formatDuration(seconds);
}

/** An axis tick: the time of day, with the day for ranges longer than a day. */
export function formatTick(ms: number, stepMs: number): string {
  const date = new Date(ms);
  if (stepMs >= 3_600_000) {
    return date.toLocaleString([], { day: "numeric", month: "short", hour: "2-digit" });
  }
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
