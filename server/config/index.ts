import { loadConfig } from "./load.ts";
import type { Config } from "./schema.ts";

export { ConfigError, type ConfigIssue } from "./errors.ts";
export {
  DEFAULT_CONFIG_FILE,
  ENV_OVERRIDES,
  type EnvOverride,
  type LoadConfigOptions,
  loadConfig,
} from "./load.ts";
export type {
  AgentsConfig,
  AlertThresholds,
  AlertWebhookConfig,
  Config,
  ConfigFile,
  LimitsConfig,
  LogsConfig,
  PoolConfig,
  ResourcesConfig,
  RetentionConfig,
  SchedulesConfig,
  SchedulingConfig,
  TaskManagerConfig,
} from "./schema.ts";
export { configSchema } from "./schema.ts";

let cached: Config | undefined;

/**
 * The process-wide configuration (process.env, process.cwd()), loaded on first use and
 * then shared. Takes no options on purpose: options on a cached call would be silently
 * ignored after the first one; use loadConfig() for anything else.
 */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Forgets the cached configuration so the next getConfig() reads the file again. */
export function resetConfigForTests(): void {
  cached = undefined;
}
