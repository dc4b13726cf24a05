import type { OverviewRange } from "@/server/overview/ranges";

export type { OverviewRange };

/** The range picker's choices, in order; the URL carries the value (`?range=24h`). */
export const OVERVIEW_RANGE_OPTIONS: { value: OverviewRange; label: string }[] = [
  { value: "15m", label: "15 min" },
  { value: "1h", label: "1 h" },
  { value: "24h", label: "24 h" },
  { value: "7d", label: "7 d" },
];

export const DEFAULT_OVERVIEW_RANGE: OverviewRange = "1h";

/** The range a URL's `range` names; anything else (absent, unknown) is the default. */
export function parseOverviewRange(value: string | null | undefined): OverviewRange {
  return (
    OVERVIEW_RANGE_OPTIONS.find((option) => option.value === value)?.value ?? DEFAULT_OVERVIEW_RANGE
  );
}
