"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useDebouncedValue } from "@/lib/hooks/use-debounced-value";
import type { SchedulePreviewInput } from "@/lib/schedules/form-values";
import { formatInZone } from "@/lib/schedules/format";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

/** Typing pauses this long before the preview asks the server. */
const PREVIEW_DEBOUNCE_MS = 300;

/**
 * The next fire times of the timing being typed, from `schedules.preview` (the server's own
 * croner, so the preview is what the schedule will do), shown in the schedule's time zone.
 */
export function FirePreview({ input }: { input: SchedulePreviewInput | null }) {
  const trpc = useTRPC();
  const settled = useDebouncedValue(input, PREVIEW_DEBOUNCE_MS);
  const preview = useQuery({
    ...trpc.schedules.preview.queryOptions(settled ?? { everyS: 1 }),
    enabled: settled !== null,
    retry: false,
    placeholderData: keepPreviousData,
  });
  const zone = settled?.timezone ?? "UTC";
  return (
    <section
      aria-labelledby="schedule-preview-title"
      aria-live="polite"
      data-testid="schedule-preview"
      className="flex flex-col gap-1 rounded border border-ink-muted/20 bg-surface p-2 text-sm"
    >
      <h3 id="schedule-preview-title" className="font-medium">
        Next fire times ({zone})
      </h3>
      {settled === null ? (
        <p className="text-ink-muted">Give a cron expression or an interval.</p>
      ) : preview.isError ? (
        <p className="text-danger" data-testid="schedule-preview-error">
          {errorMessage(preview.error)}
        </p>
      ) : preview.data ? (
        preview.data.fireTimes.length === 0 ? (
          <p className="text-ink-muted">This timing never fires.</p>
        ) : (
          <ol className="flex flex-col tabular-nums">
            {preview.data.fireTimes.map((at) => (
              <li key={at}>
                <time dateTime={at}>{formatInZone(at, zone)}</time>
              </li>
            ))}
          </ol>
        )
      ) : (
        <p className="text-ink-muted">Computing…</p>
      )}
    </section>
  );
}
