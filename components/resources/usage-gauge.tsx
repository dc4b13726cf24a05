import { formatPercent } from "@/lib/format/percent";

/**
 * How full a resource is now: a bar with the alert threshold marked, the figures as text, and
 * whether it is at or above the threshold by icon, colour and word (as the alert rule counts:
 * at the threshold already alerts).
 */
export function UsageGauge({
  held,
  capacity,
  threshold,
  label,
}: {
  held: number;
  capacity: number;
  threshold: number;
  label: string;
}) {
  const ratio = capacity > 0 ? held / capacity : 0;
  const over = ratio >= threshold;
  const figures = `${formatAmount(held)} of ${formatAmount(capacity)} (${formatPercent(ratio)})`;
  return (
    <div className="flex flex-col gap-1">
      {/* The native meter is for assistive technology; the bar beside it is its picture. */}
      <meter
        className="sr-only"
        aria-label={label}
        min={0}
        max={capacity}
        high={threshold * capacity}
        value={held}
        aria-valuetext={figures}
      />
      <div aria-hidden="true" className="relative h-3 w-full overflow-hidden rounded bg-ink/10">
        <div
          className={`h-full ${over ? "bg-amber-600" : "bg-accent"}`}
          style={{ width: `${Math.min(100, ratio * 100)}%` }}
        />
        <div
          className="absolute top-0 h-full w-0.5 bg-ink"
          style={{ left: `${Math.min(100, threshold * 100)}%` }}
        />
      </div>
      <p className="flex flex-wrap items-center justify-between gap-2 text-sm">
        <span data-testid="usage-figures">{figures} in use</span>
        {over ? (
          <span className="font-medium text-amber-700 dark:text-amber-400">
            <span aria-hidden="true">▲</span> At or above threshold ({formatPercent(threshold)})
          </span>
        ) : (
          <span className="font-medium text-emerald-700 dark:text-emerald-400">
            <span aria-hidden="true">●</span> Below threshold ({formatPercent(threshold)})
          </span>
        )}
      </p>
    </div>
  );
}

/** Amounts are whole numbers mostly; fractional ones (0.5 GPU) keep two decimals at most. */
export function formatAmount(amount: number): string {
  return Number.isInteger(amount) ? String(amount) : String(Math.round(amount * 100) / 100);
}
