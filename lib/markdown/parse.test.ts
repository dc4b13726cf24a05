import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { markedSection, parseInline, parseMarkdown } from "./parse";

const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");

describe("the README's API section, as /docs/api serves it", () => {
  it("is marked in the README and covers auth, the HTTP walkthrough and live events", () => {
    const section = markedSection(readme, "api-docs");
    expect(section).not.toBeNull();
    const headings = parseMarkdown(section ?? "")
      .filter((block) => block.kind === "heading")
      .map((block) => block.text);
    // The section grows with the API; these must stay in it.
    expect(headings).toEqual(
      expect.arrayContaining([
        "Auth",
        "Orchestrator and agent over plain HTTP",
        "Workflow runs",
        "Live events, metrics and alerts",
      ]),
    );
  });

  it("keeps code blocks whole and HTML comments out", () => {
    const blocks = parseMarkdown(markedSection(readme, "api-docs") ?? "");
    const code = blocks.filter((block) => block.kind === "code");
    expect(code.some((block) => block.text.includes("workflows.submit"))).toBe(true);
    expect(JSON.stringify(blocks)).not.toContain("<!--");
  });
});

describe("markdown", () => {
  it("reads blocks and inline marks as data (markup stays text)", () => {
    expect(
      parseMarkdown("## Title\n\nSome `code` and **bold** <b>raw</b>\n\n- one\n  more\n- two\n"),
    ).toEqual([
      { kind: "heading", level: 2, text: "Title" },
      {
        kind: "paragraph",
        inlines: [
          { kind: "text", text: "Some " },
          { kind: "code", text: "code" },
          { kind: "text", text: " and " },
          { kind: "strong", text: "bold" },
          { kind: "text", text: " <b>raw</b>" },
        ],
      },
      {
        kind: "list",
        items: [[{ kind: "text", text: "one more" }], [{ kind: "text", text: "two" }]],
      },
    ]);
    expect(parseInline("see [the file](../x.md)")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "the file", href: "../x.md" },
    ]);
  });
});
