/** The board's filters; every field optional. They live in the URL so a link shares them. */
export interface BoardFilters {
  type?: string;
  agentId?: string;
  workflowId?: string;
  text?: string;
}

/** URL parameter of each filter: short, readable names in a shared link. */
const PARAMS = { type: "type", agentId: "agent", workflowId: "workflow", text: "q" } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LENGTH = 200;
// The API refuses U+0000, which PostgreSQL cannot store. (A URL cannot carry a lone surrogate:
// URLSearchParams turns one into U+FFFD.)
const acceptable = (value: string) => value.length <= MAX_LENGTH && !value.includes("\u0000");

/** Reads filters from a URL's search params, dropping values the API would refuse. */
export function parseBoardFilters(params: { get(name: string): string | null }): BoardFilters {
  const text = (name: string) => {
    const value = params.get(name)?.trim();
    return value && acceptable(value) ? value : undefined;
  };
  const id = (name: string) => {
    const value = text(name);
    return value && UUID.test(value) ? value.toLowerCase() : undefined;
  };
  return compact({
    type: text(PARAMS.type),
    agentId: id(PARAMS.agentId),
    workflowId: id(PARAMS.workflowId),
    text: text(PARAMS.text),
  });
}

/** The search string (`?type=…&q=…`, or "" for none) that `parseBoardFilters` reads back. */
export function boardFiltersToSearch(filters: BoardFilters): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(PARAMS) as (keyof BoardFilters)[]) {
    const value = filters[key]?.trim();
    if (value) params.set(PARAMS[key], value);
  }
  const search = params.toString();
  return search ? `?${search}` : "";
}

/** Without undefined fields, so equal filters make equal query keys. */
export function compact(filters: BoardFilters): BoardFilters {
  return Object.fromEntries(
    Object.entries(filters).filter(([, value]) => value !== undefined && value !== ""),
  );
}

export function hasFilters(filters: BoardFilters): boolean {
  return Object.keys(compact(filters)).length > 0;
}
