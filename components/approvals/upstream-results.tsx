import type { UpstreamItem } from "@/lib/approvals/types";

/** The results to review: each upstream task's result as JSON text (never as markup). */
export function UpstreamResults({ upstream, more }: { upstream: UpstreamItem[]; more: number }) {
  if (upstream.length === 0) return <p className="text-sm text-ink-muted">No upstream tasks.</p>;
  return (
    <section className="flex flex-col gap-2">
      <h3 className="text-sm font-semibold">To review</h3>
      {upstream.map((task) => (
        <div key={task.id} className="flex flex-col gap-1">
          <p className="text-sm">
            {task.name} <span className="text-ink-muted">({task.state})</span>
          </p>
          <pre
            data-testid="upstream-result"
            className="max-h-64 overflow-auto whitespace-pre-wrap break-words rounded bg-ink/5 p-2 text-xs"
          >
            {task.preview !== null
              ? `${task.preview}… (truncated)`
              : JSON.stringify(task.result, null, 2)}
          </pre>
        </div>
      ))}
      {more > 0 && <p className="text-sm text-ink-muted">and {more} more upstream tasks</p>}
    </section>
  );
}
