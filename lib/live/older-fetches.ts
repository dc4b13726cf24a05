import type { QueryCacheNotifyEvent, QueryClient } from "@tanstack/react-query";

/**
 * Live events patch cached queries in place (`setQueryData`). A fetch of the same query that
 * was already running read the database before the event, and its answer, landing after the
 * patch, would silently undo it: a card that appeared would vanish again, and nothing would
 * bring it back until the next event about that task.
 *
 * So a patch made while its query is fetching replaces that fetch with one started now, which
 * reads after the event. Even a patch that changed nothing: the event may be about a row the
 * older answer still holds in its former state (a task that left this column). To never starve
 * a query under a steady stream of events, a fetch started this way is not replaced again: when
 * it lands after further patches, the query is fetched once more, and the alternation always
 * lets every other answer through.
 *
 * Returns the unsubscribe function.
 */
export function keepPatchesOverOlderFetches(queryClient: QueryClient): () => void {
  /** Queries whose running fetch was started after a patch. */
  const replacing = new Set<string>();
  /** Of those, the ones patched again while it runs. */
  const patchedSince = new Set<string>();
  const refetch = (queryKey: readonly unknown[], cancelRunning: boolean) => {
    void queryClient.refetchQueries({ queryKey, exact: true }, { cancelRefetch: cancelRunning });
  };

  return queryClient.getQueryCache().subscribe((event: QueryCacheNotifyEvent) => {
    const { query } = event;
    const hash = query.queryHash;
    if (event.type === "removed") {
      replacing.delete(hash);
      patchedSince.delete(hash);
      return;
    }
    if (event.type !== "updated") return;
    // Called synchronously from the write, so the state is still the fetch's.
    const fetching = query.state.fetchStatus !== "idle";
    if (event.action.type === "success" && event.action.manual) {
      if (!fetching) return;
      if (replacing.has(hash)) {
        patchedSince.add(hash);
        return;
      }
      replacing.add(hash);
      refetch(query.queryKey, true);
      return;
    }
    if (fetching || !replacing.delete(hash)) return;
    // The replacement landed (or failed, or was cancelled): was it patched while it ran?
    if (patchedSince.delete(hash)) refetch(query.queryKey, false);
  });
}
