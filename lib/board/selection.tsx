"use client";

import { createContext, type ReactNode, useContext, useMemo, useState } from "react";
import type { BoardTask } from "./types";

/** What the bulk bar needs of a selected card: its name for messages, its state for offers. */
export type SelectedTask = Pick<BoardTask, "id" | "name" | "state">;

interface Selection {
  selected: ReadonlyMap<string, SelectedTask>;
  toggle(task: SelectedTask, on: boolean): void;
  clear(): void;
}

const SelectionContext = createContext<Selection | null>(null);

/**
 * The board's multi-select. Held above the columns, not in them: a card scrolled out of a
 * virtualised column (or moved to another by a live event) stays selected.
 */
export function SelectionProvider({ children }: { children: ReactNode }) {
  const [selected, setSelected] = useState<ReadonlyMap<string, SelectedTask>>(new Map());
  const value = useMemo<Selection>(
    () => ({
      selected,
      toggle(task, on) {
        setSelected((current) => {
          const next = new Map(current);
          if (on) next.set(task.id, { id: task.id, name: task.name, state: task.state });
          else next.delete(task.id);
          return next;
        });
      },
      clear: () => setSelected(new Map()),
    }),
    [selected],
  );
  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>;
}

/** The selection, or null outside a board (the card renders without a checkbox). */
export function useSelection(): Selection | null {
  return useContext(SelectionContext);
}
