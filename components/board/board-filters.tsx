"use client";

import { type BoardFilters, boardFiltersToSearch, hasFilters } from "@/lib/board/filters";
import { TYPING_DELAY_MS, useUrlFilters } from "@/lib/hooks/use-url-filters";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const input =
  "w-full rounded border border-ink-muted/40 bg-surface-raised px-2 py-1 text-sm aria-invalid:border-danger";

/**
 * The board's filters. The URL is their only store: each change pushes a history entry, so a
 * link shares the view and the back button undoes a filter. The fields show what is typed
 * (`draft`) and follow the URL when it changes underneath them (back, forward, a link).
 */
export function BoardFiltersForm({
  filters,
  rawSearch,
  agentNames,
}: {
  filters: BoardFilters;
  /** The current search string: the draft resets to the URL whenever it changes. */
  rawSearch: string;
  agentNames: Map<string, string>;
}) {
  const { draft, change, submit } = useUrlFilters(filters, rawSearch, boardFiltersToSearch);

  const workflowInvalid =
    Boolean(draft.workflowId?.trim()) && !UUID.test(draft.workflowId?.trim() ?? "");
  const agentOptions = [...agentNames.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  if (filters.agentId && !agentNames.has(filters.agentId))
    agentOptions.push([filters.agentId, filters.agentId]);

  return (
    <search aria-label="Filter tasks">
      <form
        className="grid grid-cols-2 gap-3 md:grid-cols-[2fr_1fr_1fr_1.5fr_auto] md:items-end"
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
          Type
          <input
            className={input}
            value={draft.type ?? ""}
            onChange={(e) => change({ type: e.target.value }, TYPING_DELAY_MS)}
          />
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium">
          Agent
          <select
            className={input}
            value={draft.agentId ?? ""}
            onChange={(e) => change({ agentId: e.target.value }, 0)}
          >
            <option value="">Any agent</option>
            {agentOptions.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <div className="flex flex-col gap-1 text-sm">
          <label htmlFor="filter-workflow" className="font-medium">
            Workflow id
          </label>
          <input
            id="filter-workflow"
            className={input}
            value={draft.workflowId ?? ""}
            aria-invalid={workflowInvalid}
            aria-describedby={workflowInvalid ? "filter-workflow-error" : undefined}
            onChange={(e) => change({ workflowId: e.target.value }, TYPING_DELAY_MS)}
          />
          {workflowInvalid && (
            <p id="filter-workflow-error" className="text-xs text-danger">
              Not a workflow id (a UUID); ignored.
            </p>
          )}
        </div>
        <button
          type="button"
          className="rounded border border-ink-muted/40 px-3 py-1 text-sm disabled:opacity-60"
          disabled={!hasFilters(filters) && !hasFilters(draft)}
          onClick={() => change({ type: "", agentId: "", workflowId: "", text: "" }, 0)}
        >
          Clear filters
        </button>
      </form>
    </search>
  );
}
