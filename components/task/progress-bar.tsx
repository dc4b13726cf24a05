/** A task's progress: a bar for the fraction, then its latest step and message as text. */
export function ProgressBar({
  label,
  progress,
  step,
  message,
}: {
  /** What the bar measures, for screen readers, e.g. "Progress of render frame 12". */
  label: string;
  progress: number | null;
  step?: string | null;
  message?: string | null;
}) {
  const percent = progress === null ? null : Math.round(Math.min(1, Math.max(0, progress)) * 100);
  const detail = [step, message].filter(Boolean).join(" — ");
  return (
    <div className="flex flex-col gap-1">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={percent === null ? "no progress reported" : `${percent} %`}
        className="h-1.5 w-full overflow-hidden rounded bg-ink-muted/20"
      >
        <div className="h-full bg-accent" style={{ width: `${percent ?? 0}%` }} />
      </div>
      {(percent !== null || detail) && (
        <p className="truncate text-xs text-ink-muted" title={detail || undefined}>
          {percent !== null && <span className="tabular-nums">{percent} %</span>}
          {percent !== null && detail && " · "}
          {detail}
        </p>
      )}
    </div>
  );
}
