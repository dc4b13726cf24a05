import { inArray } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { resources } from "@/db/schema/resources";
import { DomainError } from "@/server/errors";

/**
 * Refuses a declared capacity that a claim could not use: amounts must be finite and ≥ 0, and
 * every key must be an agent-scoped resource. A pool name here would be a lie (pools are shared,
 * not per agent) and an unknown name is almost always a typo that would leave tasks waiting.
 * The message names each offending key, e.g. `capacity.gpu: "gpu" is a pool, ...`.
 */
export async function assertAgentCapacity(
  db: Executor,
  capacity: Record<string, number>,
): Promise<void> {
  const problems: string[] = [];
  for (const [name, amount] of Object.entries(capacity)) {
    if (!Number.isFinite(amount) || amount < 0) {
      problems.push(`capacity.${name}: expected a finite number ≥ 0, got ${amount}`);
    }
  }
  const names = Object.keys(capacity);
  if (names.length > 0) {
    const rows = await db
      .select({ name: resources.name, scope: resources.scope })
      .from(resources)
      .where(inArray(resources.name, names));
    const scopeByName = new Map(rows.map((row) => [row.name, row.scope]));
    for (const name of names) {
      const scope = scopeByName.get(name);
      if (scope === undefined) problems.push(`capacity.${name}: unknown resource`);
      else if (scope === "pool") {
        problems.push(`capacity.${name}: "${name}" is a pool, not an agent-scoped resource`);
      }
    }
  }
  if (problems.length > 0) throw new DomainError("BAD_REQUEST", problems.join("; "));
}
