import { describe, expect, it } from "vitest";
import { parseRunFilters, runFiltersToSearch, runListInput } from "./filters";

const params = (search: string) => new URLSearchParams(search);

describe("run filters", () => {
  it("round-trips through the URL", () => {
    const filters = {
      state: "failed",
      text: "train",
      submitter: "ci",
      since: "2026-01-02",
    } as const;
    expect(parseRunFilters(params(runFiltersToSearch(filters)))).toEqual(filters);
  });

  it("drops values the API would refuse", () => {
    expect(
      parseRunFilters(
        params("state=bogus&since=2026-02-31&until=yesterday&q=%00x&submitter=%20%20"),
      ),
    ).toEqual({});
    // Year 0 parses in JavaScript, but PostgreSQL has no year 0: the API refuses it.
    expect(parseRunFilters(params("since=0000-01-01&until=0000-12-31"))).toEqual({});
  });

  it("makes days UTC instants, until inclusive", () => {
    expect(runListInput({ since: "2026-01-02", until: "2026-01-02" }, 10)).toEqual({
      since: "2026-01-02T00:00:00.000Z",
      until: "2026-01-03T00:00:00.000Z",
      limit: 10,
    });
  });
});
