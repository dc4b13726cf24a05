"use client";

import { usePermissions } from "@/lib/auth/role";
import { type SelectedTask, useSelection } from "@/lib/board/selection";
import { useHydrated } from "@/lib/hooks/use-hydrated";

/** A card's checkbox for the bulk bar: operators only, and only on a board. */
export function CardSelect({ task }: { task: SelectedTask }) {
  const selection = useSelection();
  const { operate } = usePermissions();
  // Disabled until hydrated: a tick on server-rendered HTML would be lost.
  const hydrated = useHydrated();
  if (!selection || !operate) return null;
  return (
    <input
      type="checkbox"
      aria-label={`Select ${task.name}`}
      data-testid="card-select"
      className="mt-0.5 shrink-0"
      disabled={!hydrated}
      checked={selection.selected.has(task.id)}
      onChange={(event) => selection.toggle(task, event.target.checked)}
    />
  );
}
