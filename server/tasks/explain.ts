import { and, eq, gt, inArray, ne, or, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { taskDependencies, tasks } from "@/db/schema/tasks";
import { workflows } from "@/db/schema/workflows";
import type { TaskState } from "@/lib/tasks/states";
import { type AgentWaitReason, agentWaitReasons } from "@/server/agents/availability";
import {
  type QuarantineWaitReason,
  quarantineWaitReasons,
} from "@/server/agents/quarantine-reasons";
import { notFound } from "@/server/errors";
import { checkRequirements, type ResourceWaitReason } from "@/server/resources/availability";
import { RETRY_ELSEWHERE_S } from "./claim";
import { fairGroup } from "./claim-order";
import { type SchedulingWaitReason, schedulingReasons } from "./explain-scheduling";
import { type SchedulingPolicy, schedulingPolicy } from "./scheduling-policy";

type Task = typeof tasks.$inferSelect;

/** One reason a task is not running: typed for the UI, with a sentence for humans. */
export type WaitReason =
  | ({ message: string } & (
      | { kind: "dependencies"; tasks: { id: string; name: string; state: TaskState }[] }
      | { kind: "run_at"; runAt: Date; retry: boolean }
      | { kind: "retry_elsewhere"; agentId: string; until: Date }
      | { kind: "priority"; ahead: number }
      | { kind: "workflow_paused"; workflowId: string; pausedAt: Date }
      | { kind: "signal"; signal: string; since: Date | null; timeoutAt: Date | null }
    ))
  | AgentWaitReason
  | QuarantineWaitReason
  | ResourceWaitReason
  | SchedulingWaitReason;

export type Explanation =
  | { taskId: string; state: "blocked" | "waiting" | "queued"; reasons: WaitReason[] }
  | {
      taskId: string;
      state: "running";
      agent: { id: string; name: string | null } | null;
      leaseExpiresAt: Date | null;
      reasons: [];
    }
  | {
      taskId: string;
      state: "succeeded" | "failed" | "cancelled";
      finishedAt: Date | null;
      cancelReason: string | null;
      error: unknown;
      reasons: [];
    };

/**
 * Why a task is not running (docs/architecture.md "Why is it waiting"). A waiting task: the signal
 * it waits for, since when and until when (and a pause). For a blocked or queued task,
 * the reasons in this order: its workflow is paused, unfinished dependencies, run_at in the future, capabilities no
 * online agent has, pools that are full, agent-scoped resources no capable agent has free, every
 * capable agent quarantined, then what the claim's scheduling holds back (a pool reserved, a
 * concurrency key at its limit, the fair-share rotation), and
 * (queued only: a blocked task is not in line yet) claimable tasks ahead of it. A running task:
 * its agent and lease. A finished one: its outcome. One read-only snapshot, so the reasons
 * agree with each other.
 */
export async function explainTask(
  db: Database,
  id: string,
  policy: SchedulingPolicy = schedulingPolicy(),
): Promise<Explanation> {
  return db.transaction(
    async (tx) => {
      const [task] = await tx.select().from(tasks).where(eq(tasks.id, id));
      if (!task) throw notFound(`task ${id}`);
      if (task.state === "blocked" || task.state === "queued") {
        return { taskId: id, state: task.state, reasons: await waitReasons(tx, task, policy) };
      }
      if (task.state === "waiting") {
        // Only its signal holds it: no agent, resource or place in line is ever needed.
        const paused = await workflowPause(tx, task.workflowId);
        return {
          taskId: id,
          state: "waiting",
          reasons: [...(paused ? [paused] : []), signalReason(task)],
        };
      }
      if (task.state === "running") {
        return {
          taskId: id,
          state: "running",
          agent: await agentOf(tx, task.agentId),
          leaseExpiresAt: task.leaseExpiresAt,
          reasons: [],
        };
      }
      return {
        taskId: id,
        state: task.state,
        finishedAt: task.finishedAt,
        cancelReason: task.cancelReason,
        error: task.error,
        reasons: [],
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

async function waitReasons(
  db: Executor,
  task: Task,
  policy: SchedulingPolicy,
): Promise<WaitReason[]> {
  const reasons: WaitReason[] = [];
  // First: while it lasts, nothing else below can start the task.
  const paused = await workflowPause(db, task.workflowId);
  if (paused) reasons.push(paused);
  const upstream = await db
    .select({ id: tasks.id, name: tasks.name, state: tasks.state })
    .from(taskDependencies)
    .innerJoin(tasks, eq(tasks.id, taskDependencies.dependsOnId))
    .where(
      and(
        eq(taskDependencies.taskId, task.id),
        inArray(tasks.state, ["blocked", "waiting", "queued", "running"]),
      ),
    );
  if (upstream.length > 0) {
    const names = upstream.slice(0, 5).map((t) => `"${t.name}" (${t.state})`);
    const more = upstream.length > 5 ? ` and ${upstream.length - 5} more` : "";
    const count = plural(upstream.length, "unfinished dependency", "unfinished dependencies");
    reasons.push({
      kind: "dependencies",
      tasks: upstream,
      message: `waiting for ${count}: ${names.join(", ")}${more}`,
    });
  }
  // The database's clock, as the scheduler uses: the server's may be skewed.
  const [future] = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.id, task.id), gt(tasks.runAt, sql`now()`)));
  if (future) {
    const retry = task.attempts > 0;
    reasons.push({
      kind: "run_at",
      runAt: task.runAt,
      retry,
      message: `${retry ? "retry backoff until" : "scheduled for"} ${task.runAt.toISOString()}`,
    });
  }
  const elsewhere = await retryElsewhere(db, task);
  if (elsewhere) reasons.push(elsewhere);
  const { reasons: poolReasons, agentScoped } = await checkRequirements(db, task.requires);
  const agentReasons = await agentWaitReasons(db, task.capabilities, agentScoped);
  // docs/architecture.md's order: capabilities, then pools, then agents' own amounts.
  reasons.push(...agentReasons.filter((r) => r.kind !== "agent_resource"), ...poolReasons);
  reasons.push(...agentReasons.filter((r) => r.kind === "agent_resource"));
  if (!agentReasons.some((r) => r.kind === "capability" || r.kind === "no_agent")) {
    reasons.push(...(await quarantineWaitReasons(db, task.capabilities)));
  }
  // Then what the claim's scheduling holds back: reservations, concurrency keys, the rotation.
  reasons.push(...(await schedulingReasons(db, task, policy)));
  if (task.state === "queued") {
    const ahead = await tasksAhead(db, task, policy);
    if (ahead > 0) {
      const count = plural(ahead, "claimable task is", "claimable tasks are");
      const same =
        policy.fairness === "fifo"
          ? "same priority and queued earlier"
          : `same priority, queued earlier in its ${policy.fairness === "workflow" ? "workflow (or, outside one, its submitter's tasks)" : "submitter's tasks"}`;
      reasons.push({
        kind: "priority",
        ahead,
        message: `${count} ahead of it (higher priority, or ${same})`,
      });
    }
  }
  return reasons;
}

/**
 * Queued tasks whose run_at has come that a claim would take first: the claim's order is
 * priority desc, then queued_at, then id; under fair share, queued_at and id order a task
 * only within its own group (the rotation across groups is its own reason).
 */
async function tasksAhead(db: Executor, task: Task, policy: SchedulingPolicy): Promise<number> {
  const sameGroup =
    policy.fairness === "fifo"
      ? sql`true`
      : sql`${fairGroup(policy.fairness, "tasks")} = (select ${fairGroup(policy.fairness, "me")} from ${tasks} me where me.id = ${task.id})`;
  // Compared in SQL: a JS Date would cut the microseconds that order same-millisecond tasks.
  const place = sql`(select coalesce(me.queued_at, me.created_at), me.id from ${tasks} me where me.id = ${task.id})`;
  const [row] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(tasks)
    .where(
      and(
        eq(tasks.state, "queued"),
        ne(tasks.id, task.id),
        sql`${tasks.runAt} <= now()`,
        or(
          gt(tasks.priority, task.priority),
          and(
            eq(tasks.priority, task.priority),
            sameGroup,
            sql`(coalesce(${tasks.queuedAt}, ${tasks.createdAt}), ${tasks.id}) < ${place}`,
          ),
        ),
      ),
    );
  return row?.n ?? 0;
}

function signalReason(task: Task): WaitReason {
  const signal = task.waitSignal ?? "";
  const since = task.waitingSince ? ` since ${task.waitingSince.toISOString()}` : "";
  const timeout = task.waitDeadline
    ? `, times out at ${task.waitDeadline.toISOString()}`
    : ", no timeout";
  return {
    kind: "signal",
    signal,
    since: task.waitingSince,
    timeoutAt: task.waitDeadline,
    message: `waiting for signal \`${signal}\`${since}${timeout}`,
  };
}

async function workflowPause(db: Executor, workflowId: string | null) {
  if (!workflowId) return undefined;
  const [workflow] = await db
    .select({ pausedAt: workflows.pausedAt })
    .from(workflows)
    .where(eq(workflows.id, workflowId));
  if (!workflow?.pausedAt) return undefined;
  return {
    kind: "workflow_paused" as const,
    workflowId,
    pausedAt: workflow.pausedAt,
    message: `workflow paused since ${workflow.pausedAt.toISOString()}`,
  };
}

async function agentOf(db: Executor, agentId: string | null) {
  if (!agentId) return null;
  const [agent] = await db.select({ name: agents.name }).from(agents).where(eq(agents.id, agentId));
  return { id: agentId, name: agent?.name ?? null };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A retry other agents get first, for RETRY_ELSEWHERE_S after it is due (server/tasks/claim.ts). */
async function retryElsewhere(db: Executor, task: Task): Promise<WaitReason | undefined> {
  if (!task.retryAvoidAgentId || task.state !== "queued") return undefined;
  const until = new Date(task.runAt.getTime() + RETRY_ELSEWHERE_S * 1000);
  const [row] = await db
    .select({ name: agents.name })
    .from(agents)
    .where(
      and(
        eq(agents.id, task.retryAvoidAgentId),
        gt(sql`${until.toISOString()}::timestamptz`, sql`now()`),
      ),
    );
  if (!row) return undefined;
  return {
    kind: "retry_elsewhere",
    agentId: task.retryAvoidAgentId,
    until,
    message: `its last attempt failed on agent ${row.name}: other agents that can run it get it first, until ${until.toISOString()}`,
  };
}
