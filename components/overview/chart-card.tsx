import type { ReactNode } from "react";

/**
 * One chart of the overview: a region named by its heading, a line saying what it shows, and
 * the chart (an image to assistive technology, labelled with the figures that matter).
 */
export function ChartCard({
  id,
  title,
  summary,
  children,
}: {
  id: string;
  title: string;
  summary: ReactNode;
  children: ReactNode;
}) {
  return (
    <section
      aria-labelledby={`${id}-heading`}
      data-testid={`overview-${id}`}
      className="flex min-w-0 flex-col gap-2 rounded-lg border border-ink-muted/20 bg-surface p-4"
    >
      <h2 id={`${id}-heading`} className="text-lg font-semibold">
        {title}
      </h2>
      <p className="text-sm text-ink-muted">{summary}</p>
      {children}
    </section>
  );
}

export const AXIS_TICK = { fill: "rgb(100 116 139)", fontSize: 11 };
export const GRID_STROKE = "rgb(148 163 184 / 0.3)";
export const COLOURS = {
  started: "#2563eb",
  succeeded: "#15803d",
  failed: "#b91c1c",
  p50: "#2563eb",
  p95: "#b45309",
} as const;
/** Queue-depth states in enum order; a state added later takes the next colour. */
export const STATE_COLOURS = ["#64748b", "#2563eb", "#7c3aed", "#15803d", "#b45309", "#0891b2"];
