"use client";

import { OVERVIEW_RANGE_OPTIONS, type OverviewRange } from "@/lib/overview/range";

/** Radio buttons styled as a segmented control: arrow keys move between ranges. */
export function OverviewRangePicker({
  value,
  onChange,
}: {
  value: OverviewRange;
  onChange: (range: OverviewRange) => void;
}) {
  return (
    <fieldset className="flex flex-wrap items-center gap-2">
      <legend className="mr-2 float-left text-sm text-ink-muted">Range</legend>
      {OVERVIEW_RANGE_OPTIONS.map((range) => (
        <label
          key={range.value}
          className={`cursor-pointer rounded border px-3 py-1 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent ${
            value === range.value
              ? "border-accent bg-accent/10 font-semibold text-accent"
              : "border-ink-muted/40"
          }`}
        >
          <input
            type="radio"
            name="overview-range"
            value={range.value}
            checked={value === range.value}
            onChange={() => onChange(range.value)}
            className="sr-only"
          />
          {range.label}
        </label>
      ))}
    </fieldset>
  );
}
