import { inArray } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { resources } from "@/db/schema/resources";
import { type Holder, openHolders } from "./holders";

/** The pool side of "why is it waiting". */
export type ResourceWaitReason = { message: string } & (
  | { kind: "unknown_resource"; resource: string }
  | {
      kind: "pool_full";
      pool: string;
      capacity: number;
      inUse: number;
      requested: number;
      holders: Holder[];
    }
);

export interface RequirementCheck {
  /** Required names with no row, then pools that cannot cover their requirement now. */
  reasons: ResourceWaitReason[];
  /** The agent-scoped part of the requirement, for the agent check. */
  agentScoped: Record<string, number>;
}

/**
 * Splits a task's `requires` by scope and checks the pool part against the pools as they are
 * now, by the claim's own test (`capacity - in_use >= amount`), naming who holds a full pool.
 */
export async function checkRequirements(
  db: Executor,
  requires: Record<string, number>,
): Promise<RequirementCheck> {
  const names = Object.keys(requires);
  const rows =
    names.length === 0
      ? []
      : await db.select().from(resources).where(inArray(resources.name, names));
  const byName = new Map(rows.map((row) => [row.name, row]));
  const unknown: ResourceWaitReason[] = [];
  const short: { pool: string; capacity: number; inUse: number; requested: number }[] = [];
  const agentScoped: Record<string, number> = {};
  for (const [name, requested] of Object.entries(requires)) {
    const row = byName.get(name);
    if (!row) {
      unknown.push({
        kind: "unknown_resource",
        resource: name,
        message: `no resource "${name}" exists`,
      });
    } else if (row.scope === "agent") {
      agentScoped[name] = requested;
    } else if ((row.capacity ?? 0) - row.inUse < requested) {
      short.push({ pool: name, capacity: row.capacity ?? 0, inUse: row.inUse, requested });
    }
  }
  const holders = await openHolders(
    db,
    short.map((s) => s.pool),
  );
  const full = short.map((s): ResourceWaitReason => {
    const held = holders.filter((h) => h.resource === s.pool);
    return { kind: "pool_full", ...s, holders: held, message: poolMessage(s, held) };
  });
  return { reasons: [...unknown, ...full], agentScoped };
}

function poolMessage(
  s: { pool: string; capacity: number; inUse: number; requested: number },
  held: Holder[],
): string {
  if (s.requested > s.capacity) {
    return `pool "${s.pool}" has a capacity of ${s.capacity}, less than the ${s.requested} this task needs`;
  }
  const by = held
    .slice(0, 5)
    .map((h) => `"${h.taskName ?? h.taskId}" (${h.amount})`)
    .join(", ");
  const more = held.length > 5 ? ` and ${held.length - 5} more` : "";
  const holders = by ? `; held by ${by}${more}` : "";
  return `pool "${s.pool}" is full: ${s.inUse} of ${s.capacity} in use, this task needs ${s.requested}${holders}`;
}
