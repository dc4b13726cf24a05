import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { mapRows, queryRows } from "@/db/rows";
import { DomainError } from "@/server/errors";

export interface ConcurrencyItem {
  /** Where it came from, for the error: `concurrency` or `tasks[3].concurrency`. */
  label: string;
  concurrency?: { key: string; limit: number } | undefined;
}

/**
 * Records each key's limit, refusing one that contradicts another in the same submission or
 * the limit of a key that still has unfinished tasks (one limit per key: two would leave
 * "at most N at once" undefined). A key whose tasks have all finished takes the new limit.
 * The key rows are locked, so two submissions cannot set two limits at once.
 */
export async function registerConcurrencyKeys(
  tx: Executor,
  items: readonly ConcurrencyItem[],
): Promise<void> {
  const wanted = new Map<string, { limit: number; label: string }>();
  for (const item of items) {
    if (!item.concurrency) continue;
    const { key, limit } = item.concurrency;
    const first = wanted.get(key);
    if (first && first.limit !== limit) {
      throw new DomainError(
        "BAD_REQUEST",
        `${item.label}.limit: key ${JSON.stringify(key)} has limit ${first.limit} in ${first.label}; one key has one limit`,
      );
    }
    wanted.set(key, { limit, label: item.label });
  }
  if (wanted.size === 0) return;
  const keys = [...wanted.keys()].sort();
  const values = JSON.stringify(keys.map((key) => ({ key, limit: wanted.get(key)?.limit })));
  await tx.execute(sql`
    insert into concurrency_keys (key, "limit")
    select v.key, v."limit" from jsonb_to_recordset(${values}::jsonb) as v(key text, "limit" int)
    order by v.key
    on conflict (key) do nothing`);
  const current = await queryRows(
    tx,
    "lock concurrency keys to change",
    z.object({ key: z.string(), limit: z.number(), unfinished: z.number() }),
    sql`
    select k.key, k."limit", (select count(*)::int from tasks t
      where t.concurrency_key = k.key and t.state in ('blocked', 'queued', 'running')) as unfinished
    from concurrency_keys k where k.key = any(${pgTextArray(keys)})
    order by k.key for update of k`,
  );
  for (const row of current) {
    const want = wanted.get(row.key);
    if (!want || want.limit === row.limit) continue;
    if (row.unfinished > 0) {
      throw new DomainError(
        "BAD_REQUEST",
        `${want.label}.limit: key ${JSON.stringify(row.key)} has limit ${row.limit} (${row.unfinished} unfinished tasks use it); one key has one limit`,
      );
    }
    await tx.execute(
      sql`update concurrency_keys set "limit" = ${want.limit}, updated_at = now() where key = ${row.key}`,
    );
  }
}

/**
 * Locks the keys' rows (sorted: one lock order for every claim), then counts their running
 * tasks in a statement of its own, so the count sees every claim that held the lock before.
 * A key without a row (a task inserted by a path that does not register keys) gets one from
 * the task's own limit first.
 */
export async function lockConcurrencyKeys(
  tx: Executor,
  wanted: ReadonlyMap<string, number>,
  /** false: skip rows another claim holds (and do not insert missing ones): never wait. */
  wait = true,
): Promise<Map<string, { limit: number; running: number }>> {
  const keys = [...wanted.keys()].sort();
  const values = JSON.stringify(keys.map((key) => ({ key, limit: wanted.get(key) })));
  if (wait) {
    await tx.execute(sql`
    insert into concurrency_keys (key, "limit")
    select v.key, v."limit" from jsonb_to_recordset(${values}::jsonb) as v(key text, "limit" int)
    where not exists (select 1 from concurrency_keys k where k.key = v.key)
    order by v.key
    on conflict (key) do nothing`);
  }
  const locked = await mapRows(
    tx,
    "lock concurrency keys to claim",
    (row, c) => ({ key: c.string(row, "key"), limit: c.number(row, "limit") }),
    sql`
    select key, "limit" from concurrency_keys where key = any(${pgTextArray(keys)})
    order by key for update ${wait ? sql`` : sql`skip locked`}`,
  );
  const running = await mapRows(
    tx,
    "running per concurrency key",
    (row, c) => ({ key: c.string(row, "key"), n: c.number(row, "n") }),
    sql`
    select concurrency_key as key, count(*)::int as n from tasks
    where state = 'running' and concurrency_key = any(${pgTextArray(keys)})
    group by concurrency_key`,
  );
  const counts = new Map(running.map((row) => [row.key, row.n]));
  const slots = new Map(
    locked.map((row) => [row.key, { limit: row.limit, running: counts.get(row.key) ?? 0 }]),
  );
  // A key not locked offers no slot in this claim.
  for (const key of keys) if (!slots.has(key)) slots.set(key, { limit: 0, running: 0 });
  return slots;
}

/**
 * Keys at their limit now, for the candidate query's unlocked pre-filter: an InitPlan over
 * the running tasks only, so a key's long backlog is stepped over, not claimed and refused.
 */
export const keysAtLimit = sql`array(select r.concurrency_key from tasks r
  where r.state = 'running' and r.concurrency_key is not null
  group by r.concurrency_key
  having count(*) >= coalesce((select k."limit" from concurrency_keys k
    where k.key = r.concurrency_key), min(r.concurrency_limit)))`;

function pgTextArray(values: readonly string[]) {
  // A JSON array keeps any character a key may hold (commas, quotes, braces) intact.
  return sql`array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}
