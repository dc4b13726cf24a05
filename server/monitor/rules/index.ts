import type { Executor } from "@/db/client";
import type { AlertThresholds } from "@/server/config";
import { agentOfflineRule } from "./agent-offline";
import { agentQuarantinedRule } from "./agent-quarantined";
import { dependencyWaitRule } from "./dependency-wait";
import { failureRateRule } from "./failure-rate";
import { resourceUsageRule } from "./resource-usage";
import { taskDurationRule } from "./task-duration";
import { taskStalledRule } from "./task-stalled";
import type { RuleResult } from "./types";
import { waitTimeoutRule } from "./wait-timeout";

/** Every rule, read one after another (one connection, no burst on the pool). */
export async function observeAll(
  db: Executor,
  thresholds: AlertThresholds,
  quarantineAfterFailures: number,
): Promise<RuleResult[]> {
  return [
    await taskDurationRule(db, thresholds.taskDuration),
    await resourceUsageRule(db, thresholds.resourceUsage),
    await dependencyWaitRule(db, thresholds.dependencyWait),
    await failureRateRule(db, thresholds.failureRate),
    await agentOfflineRule(db),
    await agentQuarantinedRule(db, quarantineAfterFailures),
    await taskStalledRule(db, thresholds.progressStall),
    await waitTimeoutRule(db),
  ];
}

export type { Observation, RuleResult, Severity } from "./types";
