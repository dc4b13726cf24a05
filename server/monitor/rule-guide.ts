import { QUARANTINE_FIRST_S, QUARANTINE_MAX_S } from "@/server/agents/quarantine";
import { AGENT_SILENCE_S } from "@/server/agents/sweep";
import type { AgentsConfig, AlertThresholds } from "@/server/config";
import { FAILURE_MIN_SAMPLE, FAILURE_WINDOW_S } from "./rules/failure-rate";
import { formatSeconds, percent } from "./rules/types";
import { WAIT_TIMEOUT_WINDOW_S } from "./rules/wait-timeout";

export interface RuleGuide {
  rule: string;
  /** Where its threshold is set, or null for a fixed one. */
  setting: string | null;
  /** What would open an alert, with the loaded threshold. */
  trips: string;
}

/**
 * Every alert rule with what would open it under the loaded thresholds: the alerts page's
 * answer to "why is this empty, and what would show up here?". Worded from the rules in
 * ./rules, whose constants it reads, so the guide cannot drift from what they check.
 */
export function ruleGuide(thresholds: AlertThresholds, agents: AgentsConfig): RuleGuide[] {
  return [
    {
      rule: "task_duration",
      setting: "alert_thresholds.task_duration (TM_ALERT_TASK_DURATION)",
      trips: `a task running longer than ${formatSeconds(thresholds.taskDuration)}`,
    },
    {
      rule: "resource_usage",
      setting: "alert_thresholds.resource_usage (TM_ALERT_RESOURCE_USAGE)",
      trips: `a pool, or an agent's own resource, at ${percent(thresholds.resourceUsage)} of its capacity or more`,
    },
    {
      rule: "dependency_wait",
      setting: "alert_thresholds.dependency_wait (TM_ALERT_DEPENDENCY_WAIT)",
      trips: `a task blocked on its dependencies for longer than ${formatSeconds(thresholds.dependencyWait)}`,
    },
    {
      rule: "failure_rate",
      setting: "alert_thresholds.failure_rate (TM_ALERT_FAILURE_RATE)",
      trips: `more than ${percent(thresholds.failureRate)} of the tasks that ended in the last ${formatSeconds(FAILURE_WINDOW_S)} failed (once at least ${FAILURE_MIN_SAMPLE} ended)`,
    },
    {
      rule: "agent_offline",
      setting: null,
      trips: `an agent without a heartbeat for ${formatSeconds(AGENT_SILENCE_S)}`,
    },
    {
      rule: "agent_quarantined",
      setting: "agents.quarantine_after_failures (TM_QUARANTINE_FAILURES)",
      trips: `an agent whose last ${agents.quarantineAfterFailures} attempts failed while other agents succeeded at the same task types: it claims nothing for ${formatSeconds(QUARANTINE_FIRST_S)}, doubled each time, at most ${formatSeconds(QUARANTINE_MAX_S)}`,
    },
    {
      rule: "task_stalled",
      setting: "alert_thresholds.progress_stall (TM_ALERT_PROGRESS_STALL)",
      trips: `a running task that reported progress, then no change of fraction or step for longer than ${formatSeconds(thresholds.progressStall)}`,
    },
    {
      rule: "wait_timeout",
      setting: null,
      trips: `a task whose wait for a signal timed out (waitFor.timeoutS) in the last ${formatSeconds(WAIT_TIMEOUT_WINDOW_S)}`,
    },
  ];
}
