import { z } from "zod";
import { type JsonLimits, jsonObject, pgText, pgTimestamp } from "@/server/validation";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One stored line's message and fields together, in UTF-8 bytes of their JSON. */
export const MAX_LINE_BYTES = 16 * 1024;
/** Fields larger than this are dropped from a long line before its message is cut. */
const MAX_FIELDS_BYTES_IN_LONG_LINE = 4 * 1024;
/** Room kept for the cut marker, so a cut line stays within MAX_LINE_BYTES. */
const MARKER_ROOM = 80;

// Fields are structured data: beyond 64 KiB (or the configured depth) the call is refused,
// while a long message is only cut. That bounds what one line costs to parse either way.
export const fieldsLimits: JsonLimits = {
  maxBytes: () => 64 * 1024,
  bytesKey: "a log line's fields (64 KiB)",
  maxDepth: () => 16,
  depthKey: "a log line's fields (16 levels)",
};

/** Longest message taken (in UTF-16 code units, as zod counts); it is then cut to fit. */
export const MAX_MESSAGE_CHARS = 1024 * 1024;

/**
 * A line as an agent sends it. A message of any length up to 1 MiB is taken and cut. The
 * procedures check lines with line-check.ts, which applies these rules by hand (faster); this
 * schema is the reference its test compares against, and the lines' type.
 */
export const logLineInput = z.strictObject({
  level: z.enum(LOG_LEVELS),
  message: pgText().max(MAX_MESSAGE_CHARS),
  fields: jsonObject(fieldsLimits).optional(),
  /** When it was logged; default: when it arrived. */
  at: pgTimestamp().optional(),
});
export type LogLineInput = z.infer<typeof logLineInput>;

/** A line as it is stored; `bytes` counts towards the attempt's limit. */
export interface ShapedLine {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown> | null;
  /** `fields` as JSON, encoded once: for the limit's count and the insert alike. */
  fieldsJson: string | null;
  at: string | null;
  bytes: number;
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never half a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const cut = Buffer.from(text, "utf8").subarray(0, Math.max(0, maxBytes)).toString("utf8");
  // A character split by the cut decodes as U+FFFD at the end: drop it.
  return cut.replace(/\uFFFD+$/, "");
}

/**
 * Applies the per-line limit: a line over MAX_LINE_BYTES loses large fields first, then the end
 * of its message, and says so at the end of what is kept.
 */
export function shapeLine(line: LogLineInput): ShapedLine {
  let fields = line.fields ?? null;
  let fieldsJson = fields ? JSON.stringify(fields) : null;
  let fieldsBytes = fieldsJson === null ? 0 : utf8Bytes(fieldsJson);
  const messageBytes = utf8Bytes(line.message);
  if (messageBytes + fieldsBytes <= MAX_LINE_BYTES) {
    return {
      level: line.level,
      message: line.message,
      fields,
      fieldsJson,
      at: line.at ?? null,
      bytes: messageBytes + fieldsBytes,
    };
  }
  const notes: string[] = [];
  if (fields && fieldsBytes > MAX_FIELDS_BYTES_IN_LONG_LINE) {
    notes.push(`fields of ${fieldsBytes} bytes dropped`);
    fields = null;
    fieldsJson = null;
    fieldsBytes = 0;
  }
  let message = line.message;
  if (messageBytes + fieldsBytes > MAX_LINE_BYTES) {
    message = cutUtf8(line.message, MAX_LINE_BYTES - fieldsBytes - MARKER_ROOM);
    notes.unshift(`cut: ${messageBytes - utf8Bytes(message)} more bytes`);
  }
  message = `${message} … [line ${notes.join(", ")}]`;
  return {
    level: line.level,
    message,
    fields,
    fieldsJson,
    at: line.at ?? null,
    bytes: utf8Bytes(message) + fieldsBytes,
  };
}
