import { isWorkflowState, type WorkflowState } from "./states";

/** The runs list's filters; every field optional. They live in the URL so a link shares them. */
export interface RunFilters {
  state?: WorkflowState;
  text?: string;
  submitter?: string;
  /** Days (YYYY-MM-DD, UTC), both inclusive. */
  since?: string;
  until?: string;
}

/** URL parameter of each filter, as on the board (`q` for the name). */
const PARAMS = {
  state: "state",
  text: "q",
  submitter: "submitter",
  since: "since",
  until: "until",
} as const;

const DAY = /^\d{4}-\d\d-\d\d$/;
const MAX_LENGTH = 200;
// The API refuses U+0000, which PostgreSQL cannot store.
const acceptable = (value: string) => value.length <= MAX_LENGTH && !value.includes("\u0000");

function validDay(value: string): boolean {
  // Four digits and not year 0: the years PostgreSQL stores (server/validation/timestamp.ts).
  if (!DAY.test(value) || value < "0001-01-01") return false;
  const instant = Date.parse(`${value}T00:00:00Z`);
  // Date.parse rolls 2026-02-31 over to March: a day must read back as itself.
  return !Number.isNaN(instant) && new Date(instant).toISOString().slice(0, 10) === value;
}

/** Reads filters from a URL's search params, dropping values the API would refuse. */
export function parseRunFilters(params: { get(name: string): string | null }): RunFilters {
  const text = (name: string) => {
    const value = params.get(name)?.trim();
    return value && acceptable(value) ? value : undefined;
  };
  const state = text(PARAMS.state);
  const day = (name: string) => {
    const value = text(name);
    return value && validDay(value) ? value : undefined;
  };
  return compactRunFilters({
    state: state && isWorkflowState(state) ? state : undefined,
    text: text(PARAMS.text),
    submitter: text(PARAMS.submitter),
    since: day(PARAMS.since),
    until: day(PARAMS.until),
  });
}

/** The search string (`?state=…&q=…`, or "" for none) that `parseRunFilters` reads back. */
export function runFiltersToSearch(filters: RunFilters): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(PARAMS) as (keyof RunFilters)[]) {
    const value = filters[key]?.trim();
    if (value) params.set(PARAMS[key], value);
  }
  const search = params.toString();
  return search ? `?${search}` : "";
}

/** Without undefined fields, so equal filters make equal query keys. */
export function compactRunFilters(filters: RunFilters): RunFilters {
  return Object.fromEntries(
    Object.entries(filters).filter(([, value]) => value !== undefined && value !== ""),
  ) as RunFilters;
}

/** `workflows.list`'s input for these filters: days become UTC instants, `until` inclusive. */
export function runListInput(filters: RunFilters, limit: number) {
  const nextDay = (day: string) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
  return {
    ...(filters.state ? { state: filters.state } : {}),
    ...(filters.text ? { text: filters.text } : {}),
    ...(filters.submitter ? { submitter: filters.submitter } : {}),
    ...(filters.since ? { since: `${filters.since}T00:00:00.000Z` } : {}),
    ...(filters.until ? { until: nextDay(filters.until) } : {}),
    limit,
  };
}

/** Runs per page: a few screenfuls. */
export const RUNS_PAGE_SIZE = 50;
