/** "4 s", "3 min 20 s", "2 h 5 min": a duration precise enough to compare two runs. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

/** "14:32" in the browser's time zone (seconds too when `seconds`). */
export function formatClock(at: number, seconds = false): string {
  return new Date(at).toLocaleTimeString("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  });
}

/**
 * "ETA 14:32 (in ~6 min)": the clock time, then the time left from `now`, rounded up to the
 * minute past the first (an estimate is not precise to the second). Past due: "any moment".
 */
export function formatEta(finishAt: string, now: number): string {
  const at = Date.parse(finishAt);
  const left = Math.ceil((at - now) / 1000);
  const clock = formatClock(at);
  if (left <= 0) return `ETA ${clock} (any moment)`;
  if (left < 60) return `ETA ${clock} (in ~${left} s)`;
  const min = Math.ceil(left / 60);
  if (min < 120) return `ETA ${clock} (in ~${min} min)`;
  return `ETA ${clock} (in ~${Math.round(min / 60)} h)`;
}
