import { describe, expect, it } from "vitest";
import { boardFiltersToSearch, hasFilters, parseBoardFilters } from "./filters";

const AGENT = "0b5e7c1a-3f3e-4a0e-9d7e-2b9c8f6a1d23";

describe("board filters in the URL", () => {
  it("round-trips every filter through the search string", () => {
    const filters = { type: "render", agentId: AGENT, workflowId: AGENT, text: "frame 12 & co" };
    const search = boardFiltersToSearch(filters);
    expect(search).toBe(`?type=render&agent=${AGENT}&workflow=${AGENT}&q=frame+12+%26+co`);
    expect(parseBoardFilters(new URLSearchParams(search))).toEqual(filters);
  });

  it("leaves out empty filters, and no filters is an empty search", () => {
    expect(boardFiltersToSearch({ type: " ", text: undefined })).toBe("");
    expect(parseBoardFilters(new URLSearchParams(""))).toEqual({});
    expect(hasFilters({ type: "" })).toBe(false);
    expect(hasFilters({ text: "x" })).toBe(true);
  });

  it("drops values the API would refuse instead of failing the page", () => {
    const params = new URLSearchParams({
      agent: "not-a-uuid",
      workflow: AGENT.toUpperCase(),
      type: "x".repeat(201),
      q: "  spaced  ",
    });
    expect(parseBoardFilters(params)).toEqual({ workflowId: AGENT, text: "spaced" });
    expect(parseBoardFilters(new URLSearchParams("type=a%00&q=%00b"))).toEqual({});
  });
});
