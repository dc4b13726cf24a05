import type { tasks } from "@/db/schema/tasks";
import type { TaskSpec } from "./inputs";

export type TaskRow = typeof tasks.$inferSelect;

/** The insert values of a task spec; state and dependency counts are the caller's. */
export function taskValues(spec: TaskSpec) {
  return {
    name: spec.name,
    type: spec.type,
    payload: spec.payload ?? {},
    priority: spec.priority,
    capabilities: spec.capabilities,
    requires: spec.requires,
    runAt: spec.runAt ? new Date(spec.runAt) : new Date(),
    timeoutS: spec.timeoutS ?? null,
    leaseS: spec.leaseS,
    maxAttempts: spec.maxAttempts,
    backoffBaseS: spec.backoff.baseS,
    backoffMaxS: spec.backoff.maxS,
    triggerRule: spec.triggerRule,
    waitSignal: spec.waitFor?.signal ?? null,
    waitTimeoutS: spec.waitFor?.timeoutS ?? null,
    concurrencyKey: spec.concurrency?.key ?? null,
    concurrencyLimit: spec.concurrency?.limit ?? null,
  };
}

/** Splits a list for multi-row statements, which PostgreSQL caps at 65,535 parameters. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
