import type { RunSummary, RunsData } from "./types";

/** The ids of every run in the loaded pages. */
export function runIds(data: RunsData | undefined): Set<string> {
  return new Set(data?.pages.flatMap((page) => page.items.map((run) => run.id)) ?? []);
}

/**
 * The pages with each of `runs` replaced where it appears, or `data` itself when none does
 * (so an unchanged query does not re-render). A run whose new state the list's state filter
 * excludes is reported in `left`: the caller refetches that list rather than guess a page.
 */
export function patchRuns(
  data: RunsData,
  runs: ReadonlyMap<string, RunSummary>,
  stateFilter: string | undefined,
): { data: RunsData; left: boolean } {
  let changed = false;
  let left = false;
  const pages = data.pages.map((page) => {
    let pageChanged = false;
    const items = page.items.map((run) => {
      const fresh = runs.get(run.id);
      if (!fresh) return run;
      if (stateFilter && fresh.state !== stateFilter) left = true;
      pageChanged = true;
      return fresh;
    });
    if (!pageChanged) return page;
    changed = true;
    return { ...page, items };
  });
  return { data: changed ? { ...data, pages } : data, left };
}
