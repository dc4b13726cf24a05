/** "4 s", "3 min", "2 h", "5 d": how long ago, coarse enough to read at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** Milliseconds from an ISO timestamp (or epoch ms) to `now`. */
export function ageOf(at: string | number, now: number = Date.now()): number {
  return now - (typeof at === "number" ? at : Date.parse(at));
}
