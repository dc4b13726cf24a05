"use client";

export interface RangeOption<Range extends string> {
  value: Range;
  label: string;
}

/**
 * The time range of a page's charts: radio buttons styled as a segmented control, so arrow
 * keys move between ranges and a screen reader announces the group. `name` keeps two pickers
 * on one page apart.
 */
export function RangePicker<Range extends string>({
  name,
  options,
  value,
  onChange,
}: {
  name: string;
  options: readonly RangeOption<Range>[];
  value: Range;
  onChange: (range: Range) => void;
}) {
  return (
    <fieldset className="flex flex-wrap items-center gap-2">
      <legend className="mr-2 float-left text-sm text-ink-muted">Range</legend>
      {options.map((range) => (
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
            name={name}
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
