"use client";

import type { UtilisationResult } from "./series-card";

type Range = UtilisationResult["range"];

export const RANGES: { value: Range; label: string }[] = [
  { value: "15m", label: "15 min" },
  { value: "1h", label: "1 h" },
  { value: "24h", label: "24 h" },
];

/** Radio buttons styled as a segmented control: arrow keys move between ranges. */
export function RangePicker({ value, onChange }: { value: Range; onChange: (r: Range) => void }) {
  return (
    <fieldset className="flex flex-wrap items-center gap-2">
      <legend className="mr-2 float-left text-sm text-ink-muted">Range</legend>
      {RANGES.map((range) => (
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
            name="utilisation-range"
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
