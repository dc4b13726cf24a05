import { DEFAULT_ESTIMATE_S } from "@/lib/graph/critical-path";
import { STATUS_STYLES } from "@/lib/graph/status";
import { TASK_STATES } from "@/lib/tasks/states";

/** What the colours, icons, outlines and boxes of the graph mean. */
export function GraphLegend() {
  return (
    <section aria-labelledby="graph-legend-heading" className="flex flex-col gap-2 text-sm">
      <h2 id="graph-legend-heading" className="font-semibold">
        Legend
      </h2>
      <ul className="flex flex-wrap gap-2">
        {TASK_STATES.map((state) => {
          const style = STATUS_STYLES[state];
          return (
            <li key={state} className={`rounded border-2 px-2 py-0.5 ${style.className}`}>
              <span aria-hidden="true">{style.icon}</span> {style.label}
            </li>
          );
        })}
      </ul>
      <ul className="flex flex-wrap items-center gap-4">
        <li className="flex items-center gap-2">
          <svg
            width="40"
            height="10"
            aria-hidden="true"
            className="text-fuchsia-700 dark:text-fuchsia-400"
          >
            <line x1="0" y1="5" x2="40" y2="5" stroke="currentColor" strokeWidth="3" />
          </svg>
          <span>
            <span aria-hidden="true">◆</span> Critical path: outlined tasks and thick edges
          </span>
        </li>
        <li className="flex items-center gap-2">
          <span
            aria-hidden="true"
            className={`inline-block h-4 w-8 rounded border-2 border-double ${STATUS_STYLES.succeeded.className}`}
          />
          <span>Collapsed group of succeeded tasks (press to expand)</span>
        </li>
      </ul>
      <p className="text-ink-muted">
        The critical path is the longest chain of dependencies by duration: a finished task counts
        its actual run time, a running one the longer of its time so far and the estimate, a task
        still waiting the estimate (the median duration of this workflow&apos;s finished tasks, or{" "}
        {DEFAULT_ESTIMATE_S} s before any has finished), and a task that ended without running
        counts 0.
      </p>
    </section>
  );
}
