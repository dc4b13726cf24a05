import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError, ENV_OVERRIDES, getConfig, loadConfig, resetConfigForTests } from "./index.ts";

// Written out by hand from the seed's "Configuration" section, not derived from the
// schema, so a changed default in the schema fails here.
const SEED_DEFAULTS = {
  taskManager: {
    id: "task-manager-1",
    name: "TaskManager",
    capabilities: ["task_management", "execution_management", "monitoring"],
    relationships: ["orchestrator", "all_agents"],
    databases: { tasks: "tasks_db", execution: "execution_db", monitoring: "monitoring_db" },
    schedulingInterval: 60,
    monitoringInterval: 300,
    alertThresholds: {
      taskDuration: 3600,
      resourceUsage: 0.8,
      dependencyWait: 300,
      failureRate: 0.1,
      // Not from the seed: issue 13's stall threshold.
      progressStall: 600,
    },
    // Not from the seed: no webhook unless configured; retention as documented in the README.
    alertWebhook: null,
    retention: { eventsDays: 7, samplesDays: 30, logsDays: 7, tasksDays: 30 },
    logs: { maxLinesPerAttempt: 100_000, maxBytesPerAttempt: 10_485_760 },
    // Not from the seed: the input limits documented in the README.
    limits: {
      payloadBytes: 1_048_576,
      resultBytes: 1_048_576,
      metadataBytes: 65_536,
      jsonDepth: 64,
      requestBytes: 33_554_432,
    },
    // Not from the seed: issue 13's agent quarantine.
    agents: { quarantineAfterFailures: 5 },
    // Not from the seed: reservations and fair share as documented in the README.
    scheduling: { reserveAfterS: 30, fairness: "workflow" },
  },
  resources: { pools: {}, agent: ["cpu", "memory_gb", "slots"] },
  // Not from the seed: no schedules unless declared.
  schedules: {},
};

const EXAMPLE_FILE = fileURLToPath(new URL("../../task-manager.yaml", import.meta.url));

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "tm-config-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
  resetConfigForTests();
});

/** Loads `yaml` written as `<dir>/task-manager.yaml`, the default location. */
function loadYaml(yaml: string, env: Record<string, string> = {}) {
  writeFileSync(path.join(dir, "task-manager.yaml"), yaml);
  return loadConfig({ cwd: dir, env });
}

function errorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, but the configuration loaded");
}

describe("loadConfig", () => {
  it("returns the seed's values when no file exists at the default location", () => {
    expect(loadConfig({ cwd: dir, env: {} })).toEqual(SEED_DEFAULTS);
  });

  it("treats an empty file as all defaults", () => {
    expect(loadYaml("# nothing here\n")).toEqual(SEED_DEFAULTS);
  });

  it("loads the example task-manager.yaml as the defaults plus its pools", () => {
    expect(loadConfig({ path: EXAMPLE_FILE, env: {} })).toEqual({
      ...SEED_DEFAULTS,
      resources: {
        ...SEED_DEFAULTS.resources,
        pools: {
          gpu: { capacity: 4, description: "GPU cluster nodes" },
          llm_api: {
            capacity: 20,
            description: "Concurrent LLM API requests allowed by the quota",
          },
        },
      },
    });
  });

  it("fills in defaults around the keys a file sets", () => {
    const config = loadYaml("task_manager:\n  alert_thresholds:\n    failure_rate: 0\n");
    expect(config.taskManager.alertThresholds).toEqual({
      ...SEED_DEFAULTS.taskManager.alertThresholds,
      failureRate: 0,
    });
    expect(config.taskManager.schedulingInterval).toBe(60);
  });

  it("rejects a wrong type, naming the file and the dotted key", () => {
    const error = errorOf(() =>
      loadYaml("task_manager:\n  alert_thresholds:\n    task_duration: abc\n"),
    );
    expect(error.message).toBe(
      'task-manager.yaml: task_manager.alert_thresholds.task_duration: expected a positive number, received string "abc"',
    );
    expect(error.key).toBe("task_manager.alert_thresholds.task_duration");
    expect(error.issues.length).toBeGreaterThan(0);
  });

  it("rejects a quoted number: YAML strings are not coerced", () => {
    const error = errorOf(() => loadYaml('task_manager:\n  scheduling_interval: "60"\n'));
    expect(error.message).toBe(
      'task-manager.yaml: task_manager.scheduling_interval: expected a positive number, received string "60"',
    );
  });

  it("rejects an unknown threshold key, naming it", () => {
    const error = errorOf(() => loadYaml("task_manager:\n  alert_thresholds:\n    cpu_temp: 90\n"));
    expect(error.message).toBe(
      "task-manager.yaml: task_manager.alert_thresholds.cpu_temp: unknown key",
    );
  });

  it("rejects a misspelt key instead of silently using the default", () => {
    const error = errorOf(() => loadYaml("task_manager:\n  schedulling_interval: 30\n"));
    expect(error.message).toBe("task-manager.yaml: task_manager.schedulling_interval: unknown key");
  });

  it("rejects an out-of-range ratio", () => {
    const error = errorOf(() =>
      loadYaml("task_manager:\n  alert_thresholds:\n    resource_usage: 1.5\n"),
    );
    expect(error.message).toBe(
      "task-manager.yaml: task_manager.alert_thresholds.resource_usage: expected a number greater than 0 and at most 1, received number 1.5",
    );
    // 0 is a valid failure_rate (alert on any failure) but not a valid resource_usage.
    expect(
      errorOf(() => loadYaml("task_manager:\n  alert_thresholds:\n    resource_usage: 0\n")).key,
    ).toBe("task_manager.alert_thresholds.resource_usage");
  });

  it("keeps every issue while the message shows the first", () => {
    const error = errorOf(() => loadYaml("task_manager:\n  id: 1\n  name: 2\n"));
    expect(error.message).toBe(
      "task-manager.yaml: task_manager.id: expected a non-empty string, received number 1",
    );
    expect(error.issues.map((issue) => issue.path.join("."))).toEqual([
      "task_manager.id",
      "task_manager.name",
    ]);
  });

  it("rejects a pool that is also an agent-scoped resource", () => {
    const error = errorOf(() => loadYaml("resources:\n  pools:\n    cpu: { capacity: 8 }\n"));
    expect(error.message).toMatch(/^task-manager\.yaml: resources\.pools\.cpu: .*resources\.agent/);
  });

  it("rejects a badly named pool and a pool without a capacity", () => {
    expect(
      errorOf(() => loadYaml("resources:\n  pools:\n    GPU: { capacity: 1 }\n")).message,
    ).toBe(
      'task-manager.yaml: resources.pools.GPU: expected a name of lowercase letters, digits and _, received string "GPU"',
    );
    expect(errorOf(() => loadYaml("resources:\n  pools:\n    gpu: {}\n")).message).toBe(
      "task-manager.yaml: resources.pools.gpu.capacity: expected a positive number, received nothing",
    );
  });

  it("reads an alert webhook, defaulting its timeout", () => {
    const config = loadYaml(
      "task_manager:\n  alert_webhook:\n    url: https://hooks.example.com/tm\n",
    );
    expect(config.taskManager.alertWebhook).toEqual({
      url: "https://hooks.example.com/tm",
      timeoutMs: 5000,
    });
  });

  it("rejects a webhook that is not an http(s) URL, or has no URL", () => {
    expect(
      errorOf(() => loadYaml("task_manager:\n  alert_webhook:\n    url: ftp://example.com\n"))
        .message,
    ).toBe(
      'task-manager.yaml: task_manager.alert_webhook.url: expected an http or https URL, received string "ftp://example.com"',
    );
    expect(
      errorOf(() => loadYaml("task_manager:\n  alert_webhook:\n    timeout_ms: 100\n")).key,
    ).toBe("task_manager.alert_webhook.url");
    expect(
      errorOf(() =>
        loadYaml("task_manager:\n  alert_webhook:\n    url: http://x.test\n    retries: 3\n"),
      ).message,
    ).toBe("task-manager.yaml: task_manager.alert_webhook.retries: unknown key");
  });

  it("reads retention ages and rejects a non-positive one", () => {
    expect(
      loadYaml("task_manager:\n  retention:\n    events_days: 2\n").taskManager.retention,
    ).toEqual({ eventsDays: 2, samplesDays: 30, logsDays: 7, tasksDays: 30 });
    expect(
      loadYaml("task_manager:\n  retention:\n    tasks_days: 90\n").taskManager.retention.tasksDays,
    ).toBe(90);
    expect(
      errorOf(() => loadYaml("task_manager:\n  retention:\n    samples_days: 0\n")).message,
    ).toBe(
      "task-manager.yaml: task_manager.retention.samples_days: expected a positive number, received number 0",
    );
    expect(
      errorOf(() => loadYaml("task_manager:\n  retention:\n    tasks_days: -1\n")).message,
    ).toBe(
      "task-manager.yaml: task_manager.retention.tasks_days: expected a positive number, received number -1",
    );
  });

  it("reads input limits and rejects a fractional or unbounded one", () => {
    expect(
      loadYaml("task_manager:\n  limits:\n    payload_bytes: 2048\n    json_depth: 8\n").taskManager
        .limits,
    ).toEqual({
      payloadBytes: 2048,
      resultBytes: 1_048_576,
      metadataBytes: 65_536,
      jsonDepth: 8,
      requestBytes: 33_554_432,
    });
    expect(
      errorOf(() => loadYaml("task_manager:\n  limits:\n    result_bytes: 1.5\n")).message,
    ).toBe(
      "task-manager.yaml: task_manager.limits.result_bytes: expected a whole number of bytes from 1 to 267386880, received number 1.5",
    );
    expect(errorOf(() => loadYaml("task_manager:\n  limits:\n    json_depth: 100000\n")).key).toBe(
      "task_manager.limits.json_depth",
    );
    expect(loadYaml("", { TM_LIMIT_PAYLOAD_BYTES: "4096" }).taskManager.limits.payloadBytes).toBe(
      4096,
    );
  });

  it("reads scheduling settings and rejects an unknown fairness, naming the key", () => {
    expect(
      loadYaml("task_manager:\n  scheduling:\n    fairness: submitter\n").taskManager.scheduling,
    ).toEqual({ reserveAfterS: 30, fairness: "submitter" });
    const error = errorOf(() => loadYaml("task_manager:\n  scheduling:\n    fairness: random\n"));
    expect(error.key).toBe("task_manager.scheduling.fairness");
    expect(error.message).toContain("expected one of fifo, workflow, submitter");
    expect(
      errorOf(() => loadYaml("task_manager:\n  scheduling:\n    reserve_after_s: -1\n")).key,
    ).toBe("task_manager.scheduling.reserve_after_s");
    expect(
      loadYaml("", { TM_SCHEDULING_RESERVE_AFTER_S: "0", TM_SCHEDULING_FAIRNESS: "fifo" })
        .taskManager.scheduling,
    ).toEqual({ reserveAfterS: 0, fairness: "fifo" });
  });

  it("gives a one-line ConfigError naming the file for a YAML syntax error", () => {
    const error = errorOf(() => loadYaml("task_manager:\n  id: [unclosed\n  name: x\n"));
    expect(error.message).toMatch(/^task-manager\.yaml: invalid YAML: .+line \d+/);
    expect(error.message).not.toContain("\n");
    expect(error.file).toBe(path.join(dir, "task-manager.yaml"));
  });

  it("fails when TM_CONFIG names a missing file", () => {
    const error = errorOf(() => loadConfig({ cwd: dir, env: { TM_CONFIG: "nowhere.yaml" } }));
    expect(error.message).toBe("nowhere.yaml: file not found (named by TM_CONFIG)");
  });

  it("fails when the path option names a missing file, even if TM_CONFIG is valid", () => {
    const error = errorOf(() =>
      loadConfig({ cwd: dir, path: "gone.yaml", env: { TM_CONFIG: EXAMPLE_FILE } }),
    );
    expect(error.message).toBe("gone.yaml: file not found (named by the path option)");
  });

  it("reads the file TM_CONFIG names", () => {
    const file = path.join(dir, "elsewhere.yaml");
    writeFileSync(file, "task_manager:\n  name: Elsewhere\n");
    expect(loadConfig({ cwd: tmpdir(), env: { TM_CONFIG: file } }).taskManager.name).toBe(
      "Elsewhere",
    );
  });
});

describe("environment overrides", () => {
  it("win over the file", () => {
    const config = loadYaml(
      "task_manager:\n  name: FromFile\n  scheduling_interval: 30\n  alert_thresholds:\n    resource_usage: 0.5\n",
      { TM_NAME: "FromEnv", TM_SCHEDULING_INTERVAL: "15", TM_ALERT_RESOURCE_USAGE: "0.95" },
    );
    expect(config.taskManager.name).toBe("FromEnv");
    expect(config.taskManager.schedulingInterval).toBe(15);
    expect(config.taskManager.alertThresholds.resourceUsage).toBe(0.95);
  });

  it("apply without a file, and an empty value counts as unset", () => {
    const config = loadConfig({ cwd: dir, env: { TM_ID: "tm-7", TM_NAME: "" } });
    expect(config.taskManager.id).toBe("tm-7");
    expect(config.taskManager.name).toBe("TaskManager");
  });

  it("name the variable when its value is bad", () => {
    const soon = errorOf(() => loadConfig({ cwd: dir, env: { TM_SCHEDULING_INTERVAL: "soon" } }));
    expect(soon.message).toBe(
      'TM_SCHEDULING_INTERVAL: expected a positive number, received "soon"',
    );
    expect(soon.key).toBe("TM_SCHEDULING_INTERVAL");

    // Strict parsing: a unit suffix is not silently dropped.
    const withUnit = errorOf(() => loadYaml("", { TM_MONITORING_INTERVAL: "60s" }));
    expect(withUnit.message).toBe(
      'TM_MONITORING_INTERVAL: expected a positive number, received "60s"',
    );

    const outOfRange = errorOf(() => loadYaml("", { TM_ALERT_FAILURE_RATE: "2" }));
    expect(outOfRange.message).toBe(
      "TM_ALERT_FAILURE_RATE: expected a number from 0 to 1, received number 2",
    );
  });

  it("set the webhook URL and retention without a file", () => {
    const config = loadConfig({
      cwd: dir,
      env: {
        TM_ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook",
        TM_RETENTION_EVENTS_DAYS: "1.5",
        TM_RETENTION_TASKS_DAYS: "14",
      },
    });
    expect(config.taskManager.alertWebhook).toEqual({
      url: "http://127.0.0.1:9/hook",
      timeoutMs: 5000,
    });
    expect(config.taskManager.retention).toEqual({
      eventsDays: 1.5,
      samplesDays: 30,
      logsDays: 7,
      tasksDays: 14,
    });
    expect(
      errorOf(() => loadConfig({ cwd: dir, env: { TM_ALERT_WEBHOOK_URL: "nope" } })).message,
    ).toBe('TM_ALERT_WEBHOOK_URL: expected an http or https URL, received "nope"');
  });

  it("each variable in the table sets a key the schema knows", () => {
    // A string that every string-typed key accepts, URLs included.
    const text = "http://from-env.test/";
    // And 1, a number every number-typed key accepts (ratios, seconds, byte and depth limits).
    for (const { env, type } of ENV_OVERRIDES) {
      // Except an enum's: it takes one of its own values.
      const word = env === "TM_SCHEDULING_FAIRNESS" ? "fifo" : text;
      const value = type === "number" ? "1" : word;
      const config = loadConfig({ cwd: dir, env: { [env]: value } });
      expect(config, env).not.toEqual(SEED_DEFAULTS);
      const json = JSON.stringify(config);
      if (type === "number") expect(json, env).toMatch(/:1[,}]/);
      else expect(json, env).toContain(`"${word}"`);
    }
  });
});

describe("getConfig", () => {
  it("loads once and caches until reset", () => {
    const file = path.join(dir, "cached.yaml");
    writeFileSync(file, "task_manager:\n  name: First\n");
    vi.stubEnv("TM_CONFIG", file);
    const first = getConfig();
    writeFileSync(file, "task_manager:\n  name: Second\n");
    expect(getConfig()).toBe(first);
    expect(first.taskManager.name).toBe("First");

    resetConfigForTests();
    expect(getConfig().taskManager.name).toBe("Second");
  });
});
