import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { notFound } from "@/server/errors";

/** NOT_FOUND unless the workflow exists: one primary-key read, for a page's real 404. */
export async function workflowExists(db: Executor, id: string): Promise<void> {
  const rows = await db.execute(sql`select 1 from workflows where id = ${id}`);
  if (rows.length === 0) throw notFound(`workflow ${id}`);
}
