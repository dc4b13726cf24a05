/**
 * "Tue 3 Dec 2026, 09:00:00 CET": an instant as the clock reads in the schedule's own zone,
 * which is the zone its cron is written in. A zone the browser does not know falls back to UTC.
 */
export function formatInZone(iso: string, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions = {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  };
  try {
    return new Intl.DateTimeFormat("en-GB", { ...options, timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" }).format(new Date(iso));
  }
}

/** "every 90 s", "every 2 h", "every 3 d": an interval in the largest unit that divides it. */
export function formatEvery(everyS: number): string {
  for (const [size, unit] of [
    [86_400, "d"],
    [3600, "h"],
    [60, "min"],
  ] as const) {
    if (everyS >= size && everyS % size === 0) return `every ${everyS / size} ${unit}`;
  }
  return `every ${everyS} s`;
}
