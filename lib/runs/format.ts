/** "45 s", "12 min", "3 h 05 min", "2 d 4 h": a run's duration, precise enough to compare. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${String(min % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "14:32" in the viewer's time zone, with the day when it is not today. */
export function formatClock(at: string | number, now: number): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  if (new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.toLocaleDateString("en-GB", { day: "numeric", month: "short" })} ${time}`;
}

/** "ETA 14:32 (in ~6 min)", or "(any moment)" once the estimate has passed. */
export function formatEta(finishAt: string, now: number): string {
  const remainingS = (Date.parse(finishAt) - now) / 1000;
  const when = remainingS < 30 ? "any moment" : `in ~${formatDuration(remainingS)}`;
  return `ETA ${formatClock(finishAt, now)} (${when})`;
}
