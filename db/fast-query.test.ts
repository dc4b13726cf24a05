import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { apiTokens } from "@/db/schema/auth";
import { tasks } from "@/db/schema/tasks";
import type { Principal } from "@/server/auth/roles";
import { claimReleasedQuery } from "@/server/tasks/claim-released";
import { readiedBy } from "@/server/tasks/complete-in-one-trip";
import { completeQuery, releaseQuery } from "@/server/tasks/complete-statement";
import { uuidArray } from "@/server/tasks/sql";
import { startAttempts } from "@/server/tasks/start-attempts";
import { fastToQuery } from "./fast-query";
import { toQuery } from "./prepared";

const dialect = new PgDialect();
const agentId = "01a235c0-2b7d-7827-8f59-351ad359be95";
const caller = { agentId, tokenId: "01a235c0-2dfa-7e4f-9fd3-3b078353b0af", isAdmin: false };
const items = [
  { taskId: "01a235c0-3000-7000-8000-000000000001", leaseEpoch: 3, result: { rows: [1, "two"] } },
  { taskId: "01a235c0-3000-7000-8000-000000000002", leaseEpoch: 1 },
];
const agent: Principal = { tokenId: caller.tokenId, tokenName: "a", role: "agent", via: "bearer" };
const admin: Principal = { ...agent, role: "admin" };

/** The statements of a chain's hop in each of their variants, and a few of other shapes. */
const statements: Record<string, SQL> = {
  "completion, plain": completeQuery(caller, items, { wake: { freed: false } }),
  "completion, owned, live token, resource holders left": completeQuery(caller, items, {
    owner: agent,
    wake: { freed: true },
    skipResourceHolders: true,
    liveToken: caller.tokenId,
  }),
  "completion, by an admin": completeQuery(caller, items, { owner: admin, wake: { freed: true } }),
  "release, waking": releaseQuery(agentId, items, { wake: true }),
  "release, quiet": releaseQuery(agentId, items, { wake: false }),
  "claim of the released": claimReleasedQuery(agentId, readiedBy(agentId, items), 4, agent, {
    wakeIfLeft: true,
  }),
  "claim of given ids": claimReleasedQuery(agentId, sql`select unnest(${uuidArray([agentId])})`, 1),
  "start attempts": startAttempts(agentId, sql`id = ${agentId}`),
  "columns, tables, values of every kind": sql`select ${tasks.id}, ${apiTokens.name} from ${tasks}
    where ${tasks.priority} > ${5} and ${tasks.name} = ${"it's"} and ${null}::text is null
    and ${true} and ${sql.param([1, 2])}::int[] is not null ${sql``} ${sql.raw("and 1 = 1")}`,
};

describe("fastToQuery", () => {
  it.each(Object.entries(statements))("writes %s as drizzle does", (_, statement) => {
    const { sql: text, params } = dialect.sqlToQuery(statement);
    expect(fastToQuery(statement)).toEqual({ sql: text, params });
  });

  it("leaves to drizzle what it does not write itself, and toQuery still answers", () => {
    const others: SQL[] = [
      sql`select ${sql.placeholder("id")}`,
      sql`select 1 where id in ${[1, 2, 3]}`,
      sql`select ${"inlined"}`.inlineParams(),
      sql`select ${new Date(0)}`,
    ];
    for (const statement of others) {
      expect(fastToQuery(statement)).toBeUndefined();
      const { sql: text, params } = dialect.sqlToQuery(statement);
      expect(toQuery(statement)).toMatchObject({ sql: text, params });
    }
  });
});
