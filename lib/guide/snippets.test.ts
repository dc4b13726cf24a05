import { describe, expect, it } from "vitest";
import { curlSubmitWorkflow, EXAMPLE_WORKFLOW, tsSubmitWorkflow } from "./snippets";

describe("the submit snippets", () => {
  it("send the example workflow to this server, with a placeholder or the minted token", () => {
    const curl = curlSubmitWorkflow("http://10.0.0.5:3000", null);
    expect(curl).toContain("'http://10.0.0.5:3000/api/trpc/workflows.submit'");
    expect(curl).toContain('"authorization: Bearer $TM_TOKEN"');
    expect(JSON.parse(/-d '([^']*)'/.exec(curl)?.[1] ?? "")).toEqual(EXAMPLE_WORKFLOW);

    const withToken = curlSubmitWorkflow("http://10.0.0.5:3000", "tm_abc");
    expect(withToken).toContain("'authorization: Bearer tm_abc'");
    expect(tsSubmitWorkflow("http://10.0.0.5:3000", "tm_abc")).toContain('token: "tm_abc"');
    expect(tsSubmitWorkflow("http://10.0.0.5:3000", null)).toContain("process.env.TM_TOKEN");
  });
});
