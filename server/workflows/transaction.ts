import type { Database, Transaction } from "@/db/client";

/**
 * A transaction that is run again when PostgreSQL aborts it as a deadlock victim. Whole-workflow
 * operations lock many task rows in id order, but completions of several tasks at once
 * (`tasks.completeMany`) lock theirs in the order of their input: the two can meet the other
 * way round. The retry sees the winner's rows and decides afresh.
 */
export async function workflowTransaction<T>(
  db: Database,
  run: (tx: Transaction) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(run);
    } catch (error) {
      if (attempt >= 3 || !isDeadlock(error)) throw error;
    }
  }
}

// drizzle wraps the driver's error (DrizzleQueryError); the SQLSTATE is on its cause.
function isDeadlock(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === "40P01") return true;
  }
  return false;
}
