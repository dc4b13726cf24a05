"use client";

import { TYPING_DELAY_MS, useUrlFilters } from "@/lib/hooks/use-url-filters";
import { type RunFilters, runFiltersToSearch } from "@/lib/runs/filters";
import { RUN_STATE_LOOK, WORKFLOW_STATES } from "@/lib/runs/states";

const input =
  "w-full rounded border border-ink-muted/40 bg-surface-raised px-2 py-1 text-sm aria-invalid:border-danger";

/**
 * The runs list's filters, kept in the URL as the board's are (lib/hooks/use-url-filters.ts).
 */
export function RunFiltersForm({ filters, rawSearch }: { filters: RunFilters; rawSearch: string }) {
  const { draft, change, submit } = useUrlFilters(filters, rawSearch, runFiltersToSearch);
  const anyFilter = runFiltersToSearch(filters) !== "" || runFiltersToSearch(draft) !== "";

  return (
    <search aria-label="Filter runs">
      <form
        className="grid grid-cols-2 gap-3 md:grid-cols-[2fr_1fr_1.5fr_1fr_1fr_auto] md:items-end"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <label className="flex flex-col gap-1 text-sm font-medium">
          Name contains
          <input
            type="search"
            className={input}
            value={draft.text ?? ""}
            onChange={(e) => change({ text: e.target.value }, TYPING_DELAY_MS)}
          />
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          State
          <select
            className={input}
            value={draft.state ?? ""}
            onChange={(e) => change({ state: e.target.value }, 0)}
          >
            <option value="">Any state</option>
            {WORKFLOW_STATES.map((state) => (
              <option key={state} value={state}>
                {RUN_STATE_LOOK[state].label}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          Submitted by (token name)
          <input
            className={input}
            value={draft.submitter ?? ""}
            onChange={(e) => change({ submitter: e.target.value }, TYPING_DELAY_MS)}
          />
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          From (UTC day)
          <input
            type="date"
            className={input}
            value={draft.since ?? ""}
            onChange={(e) => change({ since: e.target.value }, 0)}
          />
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          To (UTC day)
          <input
            type="date"
            className={input}
            value={draft.until ?? ""}
            onChange={(e) => change({ until: e.target.value }, 0)}
          />
        </label>
        <button
          type="button"
          className="rounded border border-ink-muted/40 px-3 py-1 text-sm disabled:opacity-60"
          disabled={!anyFilter}
          onClick={() => change({ state: "", text: "", submitter: "", since: "", until: "" }, 0)}
        >
          Clear filters
        </button>
      </form>
    </search>
  );
}
