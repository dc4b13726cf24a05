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
 * group whose tasks this agent cannot take offers none. Each group's offered rows are locked
 * even when not taken, until the claim commits: other claimers skip them meanwhile.
 *
 * Each group first offers only its share: the top priority's groups are filled like water up to
 * the level where `max` tasks rank at or below it (a group running `n` offers `level - n`), and
 * any task beyond its group's share ranks above that level, so it could not be taken. Locking
 * `max` rows per group only to keep a quarter of them (four groups) was most of a claim's cost.
 * The shares are the whole answer when they fill the batch, or when every group gave less than
 * its share (each gave all it has). Otherwise (a group ran out, or this agent cannot take its
 * tasks, while another may have more, or lower priorities wait) every group offers up to `max`
 * again, as it did before shares.
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
  // Each group's first claimable tasks, locked: `limit` is how many it may offer.
  const offer = (from: "quotas" | "groups", limit: SQL) => sql`
      select o.*, row_number() over (partition by o.priority, o.grp order by o.queued_at, o.id)
        as place
      from ${sql.raw(from)} g cross join lateral (
        select ${columns}, t.priority, ${group} as grp, t.queued_at from tasks t
        where t.priority = g.priority and ${group} = g.grp and ${claimable}
        order by t.queued_at, t.id
        limit ${limit}
        for update of t skip locked
      ) o`;
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
    ), ranked as (
      select g.priority, g.grp, coalesce(r.n, 0) as n, row_number() over w as i,
        sum(coalesce(r.n, 0)) over w as s
      from groups g left join running r on r.grp = g.grp
      where g.priority = (select max(priority) from groups)
      window w as (order by coalesce(r.n, 0), g.grp rows unbounded preceding)
    ), fill as (
      select min(greatest(n, ceil((${max} + s)::numeric / i)))::int as level from ranked
    ), quotas as (
      select r.priority, r.grp, greatest(f.level - r.n, 0) as quota from ranked r, fill f
    ), offered_quota as (${offer("quotas", sql`g.quota`)}
    ), short as (
      select (select count(*) from offered_quota) < ${max} and (
        exists (select 1 from groups where priority < (select max(priority) from groups))
        or exists (select 1 from quotas q where q.quota <= (select count(*) from offered_quota o
          where o.priority = q.priority and o.grp = q.grp))) as yes
    ), offered as (
      select * from offered_quota where not (select yes from short)
      union all
      select * from (${offer("groups", sql`${max}`)}) everything where (select yes from short)
    )
    select o.id, o.requires, o.timeout_s, o.concurrency_key, o.concurrency_limit
    from offered o left join running r on r.grp = o.grp
    order by o.priority desc, coalesce(r.n, 0) + o.place, o.queued_at, o.id
    limit ${max}`;
}
