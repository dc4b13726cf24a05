import { describe, expect, it } from "vitest";
import { parseJson, parseJsonOrYaml } from "./parse-document";

describe("parseJsonOrYaml", () => {
  it("reads YAML and JSON alike", () => {
    const yaml = "name: report\ntasks:\n  - key: a\n    name: A\n";
    expect(parseJsonOrYaml(yaml)).toEqual({
      ok: true,
      value: { name: "report", tasks: [{ key: "a", name: "A" }] },
    });
    expect(parseJsonOrYaml('{"name": "report", "tasks": []}')).toEqual({
      ok: true,
      value: { name: "report", tasks: [] },
    });
  });

  it("names the line and column of a syntax error", () => {
    const result = parseJsonOrYaml("name: report\ntasks:\n  - key: a\n   name: [A\n");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^Line \d+, column \d+: /);
    const json = parseJsonOrYaml('{"name": "report",\n "tasks": [}');
    expect(json.ok).toBe(false);
    if (!json.ok) expect(json.message).toMatch(/^Line 2, column \d+: /);
    expect(parseJsonOrYaml("  ")).toMatchObject({ ok: false });
  });
});

describe("parseJson", () => {
  it("parses strict JSON only", () => {
    expect(parseJson('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJson('{"b": }')).toMatchObject({ ok: false, message: /^Not valid JSON: / });
    expect(parseJson("a: 1")).toMatchObject({ ok: false });
  });
});
