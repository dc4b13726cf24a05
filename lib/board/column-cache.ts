import type { InfiniteData } from "@tanstack/react-query";
import type { TaskState } from "@/lib/tasks/states";
import type { BoardFilters } from "./filters";
import type { BoardPage, BoardTask } from "./types";

/** A column's cache entry: the pages of `tasks.list` loaded so far. */
export type ColumnData = InfiniteData<BoardPage>;

/** Which tasks a cached `tasks.list` query holds: its states (all when absent) and filters. */
export interface ColumnScope {
  states?: readonly TaskState[];
  filters: BoardFilters;
}

/** Whether `tasks.list` with this scope would return the task (the same rules as the SQL). */
export function inScope(task: BoardTask, scope: ColumnScope): boolean {
  const { filters } = scope;
  if (scope.states && !scope.states.includes(task.state)) return false;
  if (filters.type !== undefined && task.type !== filters.type) return false;
  if (filters.agentId !== undefined && task.agentId !== filters.agentId) return false;
  if (filters.workflowId !== undefined && task.workflowId !== filters.workflowId) return false;
  if (filters.text !== undefined && !task.name.toLowerCase().includes(filters.text.toLowerCase()))
    return false;
  return true;
}

/** The scope of a `tasks.list` query from its input, or null when it is not one we know. */
export function scopeOfInput(input: unknown): ColumnScope | null {
  if (typeof input !== "object" || input === null) return null;
  const { state, type, agentId, workflowId, text } = input as Record<string, unknown>;
  const states =
    state === undefined
      ? undefined
      : typeof state === "string"
        ? [state]
        : Array.isArray(state)
          ? state
          : null;
  if (states === null || (states && !states.every((s) => typeof s === "string"))) return null;
  const optional = (value: unknown) => (typeof value === "string" ? value : undefined);
  return {
    states: states as TaskState[] | undefined,
    filters: {
      type: optional(type),
      agentId: optional(agentId),
      workflowId: optional(workflowId),
      text: optional(text)?.trim(),
    },
  };
}

export function findTask(data: ColumnData | undefined, id: string): BoardTask | undefined {
  for (const page of data?.pages ?? []) {
    const task = page.items.find((item) => item.id === id);
    if (task) return task;
  }
  return undefined;
}

/** `tasks.list` order: newest first, then id descending. */
function isBefore(a: BoardTask, b: BoardTask): boolean {
  return a.createdAt === b.createdAt ? a.id > b.id : a.createdAt > b.createdAt;
}

function withPages(data: ColumnData, pages: BoardPage[]): ColumnData {
  return { ...data, pages };
}

export function removeTask(data: ColumnData, id: string): ColumnData {
  if (!findTask(data, id)) return data;
  return withPages(
    data,
    data.pages.map((page) =>
      page.items.some((item) => item.id === id)
        ? { ...page, items: page.items.filter((item) => item.id !== id) }
        : page,
    ),
  );
}

/**
 * Puts the task where `tasks.list` would: replaced in place when present, else inserted in
 * order. A task older than everything loaded while more pages remain is left out: that later
 * page brings it (its cursor was fixed by the server, so nothing repeats).
 */
export function upsertTask(data: ColumnData, task: BoardTask): ColumnData {
  if (findTask(data, task.id)) {
    return withPages(
      data,
      data.pages.map((page) => ({
        ...page,
        items: page.items.map((item) => (item.id === task.id ? task : item)),
      })),
    );
  }
  const pages = [...data.pages];
  for (const [index, page] of pages.entries()) {
    const at = page.items.findIndex((item) => isBefore(task, item));
    if (at >= 0) {
      pages[index] = {
        ...page,
        items: [...page.items.slice(0, at), task, ...page.items.slice(at)],
      };
      return withPages(data, pages);
    }
  }
  const last = pages.at(-1);
  if (!last || last.nextCursor !== null) return data;
  pages[pages.length - 1] = { ...last, items: [...last.items, task] };
  return withPages(data, pages);
}

/** Each task in or out of this query's pages, by whether it now belongs to its scope. */
export function placeTasks(
  data: ColumnData,
  scope: ColumnScope,
  tasks: Iterable<BoardTask>,
): ColumnData {
  let next = data;
  for (const task of tasks) {
    next = inScope(task, scope) ? upsertTask(next, task) : removeTask(next, task.id);
  }
  return next;
}
