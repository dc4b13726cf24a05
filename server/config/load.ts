import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { ConfigError, configErrorFromIssues } from "./errors.ts";
import { type Config, configSchema } from "./schema.ts";

export const DEFAULT_CONFIG_FILE = "task-manager.yaml";

export interface EnvOverride {
  env: string;
  /** Dotted key path in the file (snake_case), e.g. `task_manager.scheduling_interval`. */
  path: string;
  type: "string" | "number";
}

/**
 * Every environment variable that overrides a key of the file. The single source for
 * the README's table: add a variable here and nowhere else.
 */
export const ENV_OVERRIDES = [
  { env: "TM_ID", path: "task_manager.id", type: "string" },
  { env: "TM_NAME", path: "task_manager.name", type: "string" },
  { env: "TM_SCHEDULING_INTERVAL", path: "task_manager.scheduling_interval", type: "number" },
  { env: "TM_MONITORING_INTERVAL", path: "task_manager.monitoring_interval", type: "number" },
  {
    env: "TM_ALERT_TASK_DURATION",
    path: "task_manager.alert_thresholds.task_duration",
    type: "number",
  },
  {
    env: "TM_ALERT_RESOURCE_USAGE",
    path: "task_manager.alert_thresholds.resource_usage",
    type: "number",
  },
  {
    env: "TM_ALERT_DEPENDENCY_WAIT",
    path: "task_manager.alert_thresholds.dependency_wait",
    type: "number",
  },
  {
    env: "TM_ALERT_FAILURE_RATE",
    path: "task_manager.alert_thresholds.failure_rate",
    type: "number",
  },
  {
    env: "TM_ALERT_PROGRESS_STALL",
    path: "task_manager.alert_thresholds.progress_stall",
    type: "number",
  },
  { env: "TM_ALERT_WEBHOOK_URL", path: "task_manager.alert_webhook.url", type: "string" },
  {
    env: "TM_RETENTION_EVENTS_DAYS",
    path: "task_manager.retention.events_days",
    type: "number",
  },
  {
    env: "TM_RETENTION_SAMPLES_DAYS",
    path: "task_manager.retention.samples_days",
    type: "number",
  },
  { env: "TM_RETENTION_LOGS_DAYS", path: "task_manager.retention.logs_days", type: "number" },
  { env: "TM_RETENTION_TASKS_DAYS", path: "task_manager.retention.tasks_days", type: "number" },
  { env: "TM_LIMIT_PAYLOAD_BYTES", path: "task_manager.limits.payload_bytes", type: "number" },
  { env: "TM_LIMIT_RESULT_BYTES", path: "task_manager.limits.result_bytes", type: "number" },
  { env: "TM_LIMIT_METADATA_BYTES", path: "task_manager.limits.metadata_bytes", type: "number" },
  { env: "TM_LIMIT_JSON_DEPTH", path: "task_manager.limits.json_depth", type: "number" },
  { env: "TM_LIMIT_REQUEST_BYTES", path: "task_manager.limits.request_bytes", type: "number" },
  {
    env: "TM_QUARANTINE_FAILURES",
    path: "task_manager.agents.quarantine_after_failures",
    type: "number",
  },
  {
    env: "TM_SCHEDULING_RESERVE_AFTER_S",
    path: "task_manager.scheduling.reserve_after_s",
    type: "number",
  },
  { env: "TM_SCHEDULING_FAIRNESS", path: "task_manager.scheduling.fairness", type: "string" },
] as const satisfies readonly EnvOverride[];

type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Config file; wins over `TM_CONFIG`. Relative paths are resolved against `cwd`. */
  path?: string;
  /**
   * Defaults to `process.env`. Wider than NodeJS.ProcessEnv, which Next types with a
   * required NODE_ENV, so tests can pass a plain object.
   */
  env?: Env;
  /** Defaults to `process.cwd()`. */
  cwd?: string;
}

// Decimal or exponent notation only: Number() alone would accept "", "0x10" and " 60 ".
const STRICT_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads the file (`options.path` ?? `TM_CONFIG` ?? `<cwd>/task-manager.yaml`), applies the
 * environment overrides, validates the result and returns it with defaults filled in.
 * Throws ConfigError with a one-line message on any problem.
 *
 * Environment variables set to "" count as unset, so `TM_NAME=` in a compose file or a
 * shell does not blank a value out.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const namedBy =
    options.path !== undefined ? "the path option" : env.TM_CONFIG ? "TM_CONFIG" : undefined;
  const file = path.resolve(cwd, options.path ?? (env.TM_CONFIG || DEFAULT_CONFIG_FILE));
  const label = displayPath(file, cwd);

  const raw = readDocument(file, label, namedBy);
  const envByPath = applyEnvOverrides(raw, env);
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw configErrorFromIssues(result.error.issues, { file, label, envByPath });
  }
  return result.data;
}

function readDocument(file: string, label: string, namedBy: string | undefined): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Only the conventional location is optional: a file someone named must exist.
    if (code === "ENOENT" && namedBy === undefined) return {};
    const problem = code === "ENOENT" ? `file not found (named by ${namedBy})` : errorLine(error);
    throw new ConfigError(`${label}: ${problem}`, { file, cause: error });
  }
  try {
    // An empty or all-comment file parses to null: treat it as "all defaults".
    return YAML.parse(text) ?? {};
  } catch (error) {
    // yaml's messages end with a multi-line code frame; the first line has the position.
    const reason = errorLine(error).replace(/:$/, "");
    throw new ConfigError(`${label}: invalid YAML: ${reason}`, { file, cause: error });
  }
}

/**
 * Writes each set override into the parsed document (in place) and returns which key
 * path each variable set, so validation errors can name the variable instead of the file.
 * A number that does not parse strictly is left as a string for the schema to reject.
 */
function applyEnvOverrides(raw: unknown, env: Env): Map<string, string> {
  const envByPath = new Map<string, string>();
  for (const override of ENV_OVERRIDES) {
    const value = env[override.env];
    if (!value) continue;
    const parsed = override.type === "number" && STRICT_NUMBER.test(value) ? Number(value) : value;
    if (setIn(raw, override.path.split("."), parsed)) envByPath.set(override.path, override.env);
  }
  return envByPath;
}

// Creates missing objects on the way; refuses to replace a non-object the file put
// there, so that file error is still the one reported.
function setIn(target: unknown, keys: readonly string[], value: unknown): boolean {
  const [key, ...rest] = keys;
  if (key === undefined || !isRecord(target)) return false;
  if (rest.length === 0) {
    target[key] = value;
    return true;
  }
  if (target[key] === undefined) target[key] = {};
  return setIn(target[key], rest, value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  const outside =
    relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return relative && !outside ? relative : file;
}

function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
