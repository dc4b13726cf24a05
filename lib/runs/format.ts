/**
 * "4 s", "3 min 20 s", "2 h 5 min", "2 d 4 h": a duration precise enough to compare two runs
 * or two tasks, to the second under an hour and to the hour past two days.
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return h % 24 === 0 ? `${Math.floor(h / 24)} d` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * "14:32" in the viewer's time zone; "14:32:05" with `seconds` (a run's events and timeline
 * are seconds apart). Given `now`, a time that is not today leads with its day ("2 Jan 14:32"),
 * so a run started yesterday does not read as today.
 */
export function formatClock(
  at: string | number,
  { now, seconds = false }: { now?: number; seconds?: boolean } = {},
): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  });
  if (now === undefined || new Date(now).toDateString() === date.toDateString()) return time;
  return `${date.toLocaleDateString("en-GB", { day: "numeric", month: "short" })} ${time}`;
}

/**
 * "ETA 14:32 (in ~6 min)": the clock time, then the time left from `now`, rounded up to the
 * minute past the first (an estimate is not precise to the second). Past due: "any moment".
 */
export function formatEta(finishAt: string, now: number): string {
  const at = Date.parse(finishAt);
  const left = Math.ceil((at - now) / 1000);
  const clock = formatClock(at, { now });
  if (left <= 0) return `ETA ${clock} (any moment)`;
  if (left < 60) return `ETA ${clock} (in ~${left} s)`;
  const min = Math.ceil(left / 60);
  if (min < 120) return `ETA ${clock} (in ~${min} min)`;
  return `ETA ${clock} (in ~${Math.round(min / 60)} h)`;
}
