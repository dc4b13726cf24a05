import { parse, YAMLParseError } from "yaml";

/** What JSON (and the JSON subset of YAML) parses to: the API's `z.json()`. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export type Parsed = { ok: true; value: JsonValue } | { ok: false; message: string };

/**
 * Parses pasted JSON or YAML (JSON is YAML), naming the line and column of a syntax error, so
 * a workflow can be pasted in either form.
 */
export function parseJsonOrYaml(text: string): Parsed {
  if (!text.trim()) return { ok: false, message: "Paste a workflow as JSON or YAML." };
  try {
    return { ok: true, value: parse(text) };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      const where = at ? `Line ${at.line}, column ${at.col}: ` : "";
      // The message repeats the position and quotes the source: its first clause is enough.
      const what = firstLine(error.message).replace(/ at line \d+, column \d+:?$/, "");
      return { ok: false, message: `${where}${what}` };
    }
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Parses strict JSON (a payload). */
export function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `Not valid JSON: ${message}` };
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
