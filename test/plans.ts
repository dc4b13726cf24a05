import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Executor } from "@/db/client";
import type { TestDatabase } from "./db";

/** One node of PostgreSQL's `explain (format json)`: the fields the plan tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  /** The name the statement gives the table (`tasks p`: "p"). */
  Alias?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  /** With `analyze` only. */
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

type PlanRow = { "QUERY PLAN": [{ Plan: PlanNode }] };

const dialect = new PgDialect();

/** A plan's nodes, the root first, depth first. */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/**
 * The plan of `query` with its values (a custom plan); `analyze`: run it, with the actual rows.
 */
export async function customPlan(
  pg: TestDatabase,
  query: SQL,
  options: { analyze?: boolean } = {},
): Promise<PlanNode[]> {
  const explain = options.analyze
    ? sql`explain (analyze, format json)`
    : sql`explain (format json)`;
  const [row] = await pg.db.execute<PlanRow>(sql`${explain} ${query}`);
  if (!row) throw new Error("no plan");
  return planNodes(row["QUERY PLAN"][0].Plan);
}

/**
 * The generic plan a prepared statement switches to after its fifth run, where an index's
 * predicate has to be proven from the statement's shape alone.
 */
export async function genericPlan(pg: TestDatabase, query: SQL): Promise<PlanNode[]> {
  const [row] = await pg.sql.unsafe<PlanRow[]>(
    `explain (generic_plan, format json) ${dialect.sqlToQuery(query).sql}`,
  );
  if (!row) throw new Error("no plan");
  return planNodes(row["QUERY PLAN"][0].Plan);
}

/**
 * How the plan reads `table` (under `alias` only, if given): each node reading it (not an
 * update's own node), a bitmap heap scan replaced by the bitmap index scans below it, which name
 * the indexes. Each entry is one read's lookups; a read with none is an empty list.
 */
export function tableReads(plan: PlanNode[], table: string, alias?: string): PlanNode[][] {
  return plan
    .filter(
      (node) =>
        node["Relation Name"] === table &&
        node["Node Type"] !== "ModifyTable" &&
        (alias === undefined || node.Alias === alias),
    )
    .map((read) =>
      read["Node Type"] === "Bitmap Heap Scan"
        ? planNodes(read).filter((node) => node["Node Type"] === "Bitmap Index Scan")
        : [read],
    );
}

/**
 * The sequential scans of `table` so far in the current transaction: how the statements a
 * function ran read it, where their SQL is the function's own.
 */
export async function seqScansSoFar(tx: Executor, table: string): Promise<number> {
  const [row] = await tx.execute<{ n: number }>(
    sql`select coalesce(sum(seq_scan), 0)::int as n from pg_stat_xact_user_tables
      where relname = ${table}`,
  );
  return row?.n ?? 0;
}
