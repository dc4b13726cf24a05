import type { z } from "zod";

export type ConfigIssue = z.core.$ZodIssue;

/**
 * A configuration problem that stops the start. `message` is a single line naming the
 * source (file, or the environment variable that set the value), the dotted key and
 * the problem, so a launcher can print it as is; `issues` keeps every zod issue.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** Absolute path of the file involved, when there is one. */
  readonly file: string | undefined;
  /** Dotted key path (`task_manager.alert_thresholds.task_duration`) or env variable name. */
  readonly key: string | undefined;
  readonly issues: readonly ConfigIssue[];

  constructor(
    message: string,
    details: { file?: string; key?: string; issues?: readonly ConfigIssue[]; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.file = details.file;
    this.key = details.key;
    this.issues = details.issues ?? [];
  }
}

/**
 * Builds the ConfigError for failed validation. `envByPath` maps a dotted key path to
 * the variable that overrode it: such a value came from the environment, not the file,
 * so the message must send the user there.
 */
export function configErrorFromIssues(
  issues: readonly ConfigIssue[],
  source: { file: string; label: string; envByPath: ReadonlyMap<string, string> },
): ConfigError {
  const first = issues[0];
  if (!first) return new ConfigError(`${source.label}: invalid configuration`, source);

  // Unknown keys are reported on the enclosing object; name the key itself.
  const path =
    first.code === "unrecognized_keys" && first.keys[0] !== undefined
      ? [...first.path, first.keys[0]]
      : first.path;
  const key = formatPath(path);
  const envName = source.envByPath.get(key);
  const problem = describeIssue(first, envName !== undefined);
  const message = envName
    ? `${envName}: ${problem}`
    : `${source.label}: ${key ? `${key}: ` : ""}${problem}`;
  return new ConfigError(message, { file: source.file, key: envName ?? key, issues });
}

function describeIssue(issue: ConfigIssue, fromEnv: boolean): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return "unknown key";
    case "custom":
      return issue.message;
    case "invalid_key": {
      // A record key failed its own schema; its message is on the nested issue.
      const inner = issue.issues[0]?.message ?? issue.message;
      return `${inner}, received ${describeValue(issue.input, fromEnv)}`;
    }
    default:
      return `${issue.message}, received ${describeValue(issue.input, fromEnv)}`;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === "number" ? `[${part}]` : `${i > 0 ? "." : ""}${String(part)}`,
    )
    .join("");
}

function describeValue(value: unknown, fromEnv: boolean): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    // Every env value is a string, so saying so would add nothing.
    return fromEnv ? shown : `string ${shown}`;
  }
  return `${typeof value} ${String(value)}`;
}
