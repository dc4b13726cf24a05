import { type SQL, sql } from "drizzle-orm";
import { NO_GROUP } from "@/db/schema/tasks";
import type { SchedulingPolicy } from "./scheduling-policy";

/** At most this many fair-share groups are visited per claim (README "Scheduling"). */
export const FAIR_GROUPS_PER_CLAIM = 200;

/** A task's fair-share group; the very expressions of tasks_claim_workflow_idx / _submitter_idx. */
export function fairGroup(fairness: SchedulingPolicy["fairness"], alias: string): SQL {
  const t = sql.raw(alias);
  return fairness === "submitter"
    ? sql`coalesce(${t}.created_by, ${NO_GROUP})`
    : sql`coalesce(${t}.workflow_id, ${t}.created_by, ${NO_GROUP})`;
}

/**
 * The candidate subquery of a claim: up to `max` claimable tasks (`claimable` filters alias
 * `t`), locked SKIP LOCKED, in claim order. Selects id, requires, timeout_s, concurrency_key, concurrency_limit.
 *
 * fifo: priority, then first queued, walking tasks_claim_idx.
 *
 * workflow / submitter: within a priority, claims rotate across groups. The groups that have
 * queued tasks are enumerated by a skip scan of the group index (one index probe per group,
 * however long each backlog is); each group offers its first claimable tasks, and the
 * `place`-th task of a group with `running` tasks running ranks as `running + place`. So the
 * group running least gets the next task, and a batch deals one task per group in turn. A
 * group whose tasks this agent cannot take offers none.
 *
 * The ranking is read without locks first (`seen`), to learn how many tasks each group wins
 * in this batch; only that many are then locked per group (SKIP LOCKED, so a group whose first
 * tasks another claim holds offers its next ones). Locking every group's offer instead hid
 * the rows a claim looked at but did not take from the claims running beside it: under load a
 * small workflow's tasks sat locked and untaken while its rivals' were handed out.
 */
export function candidateQuery(policy: SchedulingPolicy, max: number, claimable: SQL): SQL {
  const columns = sql`t.id, t.requires, t.timeout_s, t.concurrency_key, t.concurrency_limit`;
  if (policy.fairness === "fifo") {
    return sql`
      select ${columns} from tasks t
      where ${claimable}
      order by t.priority desc nulls last, t.queued_at, t.id
      limit ${max}
      for update of t skip locked`;
  }
  const group = fairGroup(policy.fairness, "t");
  return sql`
    with recursive groups(priority, grp, depth) as (
      (select t.priority, ${group}, 1 from tasks t where t.state = 'queued'
        order by t.priority desc nulls last, ${group} limit 1)
      union all
      select n.priority, n.grp, g.depth + 1 from groups g cross join lateral (
        (select t.priority, ${group} as grp from tasks t
          where t.state = 'queued' and t.priority = g.priority and ${group} > g.grp
          order by ${group} limit 1)
        union all
        (select t.priority, ${group} from tasks t
          where t.state = 'queued' and t.priority < g.priority
          order by t.priority desc nulls last, ${group} limit 1)
        limit 1
      ) n
      where g.depth < ${FAIR_GROUPS_PER_CLAIM}
    ), running as (
      select ${group} as grp, count(*)::int as n from tasks t where t.state = 'running' group by 1
    ), seen as (
      select o.*, row_number() over (partition by o.priority, o.grp order by o.queued_at, o.id)
        as place
      from groups g cross join lateral (
        select t.id, t.priority, ${group} as grp, t.queued_at from tasks t
        where t.priority = g.priority and ${group} = g.grp and ${claimable}
        order by t.queued_at, t.id
        limit ${max}
      ) o
    ), wins as (
      select w.priority, w.grp, count(*)::int as n from (
        select s.priority, s.grp from seen s left join running r on r.grp = s.grp
        order by s.priority desc, coalesce(r.n, 0) + s.place, s.queued_at, s.id
        limit ${max}
      ) w group by 1, 2
    ), offered as (
      select o.*, row_number() over (partition by o.priority, o.grp order by o.queued_at, o.id)
        as place
      from wins w cross join lateral (
        select ${columns}, t.priority, ${group} as grp, t.queued_at from tasks t
        where t.priority = w.priority and ${group} = w.grp and ${claimable}
        order by t.queued_at, t.id
        limit w.n
        for update of t skip locked
      ) o
    )
    select o.id, o.requires, o.timeout_s, o.concurrency_key, o.concurrency_limit
    from offered o left join running r on r.grp = o.grp
    order by o.priority desc, coalesce(r.n, 0) + o.place, o.queued_at, o.id
    limit ${max}`;
}
