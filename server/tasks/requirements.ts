import { inArray } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { resources } from "@/db/schema/resources";
import { DomainError } from "@/server/errors";

export interface Requirement {
  /** Where the requirement came from, for the error: `requires` or `tasks[3] (key "fetch")`. */
  label: string;
  requires: Record<string, number>;
}

/**
 * Refuses requirements no resource can ever satisfy: a resource that doesn't exist, or more of
 * a pool than its whole capacity. Agent-scoped amounts can't be checked here, since agents
 * that could hold them may register later.
 */
export async function assertSatisfiable(tx: Executor, items: readonly Requirement[]) {
  const names = [...new Set(items.flatMap((item) => Object.keys(item.requires)))];
  if (names.length === 0) return;
  const rows = await tx.select().from(resources).where(inArray(resources.name, names));
  const byName = new Map(rows.map((row) => [row.name, row]));
  const problems: string[] = [];
  for (const item of items) {
    for (const [name, amount] of Object.entries(item.requires)) {
      const resource = byName.get(name);
      if (!resource) problems.push(`${item.label}.requires.${name}: unknown resource`);
      else if (resource.scope === "pool" && amount > (resource.capacity ?? 0)) {
        problems.push(
          `${item.label}.requires.${name}: ${amount} exceeds the pool's whole capacity ${resource.capacity}`,
        );
      }
    }
  }
  if (problems.length > 0) {
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : "";
    throw new DomainError("BAD_REQUEST", `${problems.slice(0, 10).join("; ")}${more}`);
  }
}
