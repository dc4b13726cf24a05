import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";

/** The quarantine side of "why is it waiting": every agent that could run it is quarantined. */
export type QuarantineWaitReason = {
  kind: "agent_quarantined";
  agent: { id: string; name: string };
  until: Date;
  message: string;
};

/** At most this many quarantined agents are named. */
const MAX_NAMED = 5;

/**
 * When online agents have every capability in `capabilities` but each of them is quarantined
 * (server/agents/quarantine.ts), one reason per agent: "agent X quarantined until …". Empty when
 * some capable agent may claim, or none is online at all (the capability reasons say that).
 */
export async function quarantineWaitReasons(
  db: Executor,
  capabilities: string[],
): Promise<QuarantineWaitReason[]> {
  const rows = await queryRows(
    db,
    "quarantine reasons",
    z.object({
      id: z.string(),
      name: z.string(),
      until: z.string().nullable(),
      quarantined: z.boolean(),
    }),
    sql`
    select a.id, a.name, to_json(h.quarantined_until) #>> '{}' as until,
      coalesce(h.quarantined_until > now(), false) as quarantined
    from agents a left join agent_health h on h.agent_id = a.id
    where a.status = 'online'
      and a.capabilities @> array(select jsonb_array_elements_text(${JSON.stringify(capabilities)}::jsonb))
    order by h.quarantined_until, a.name`,
  );
  if (rows.length === 0 || rows.some((row) => !row.quarantined)) return [];
  return rows.slice(0, MAX_NAMED).map((row) => {
    const until = new Date(row.until ?? 0);
    return {
      kind: "agent_quarantined",
      agent: { id: row.id, name: row.name },
      until,
      message: `agent "${row.name}" quarantined until ${until.toISOString()} (too many failed attempts); no other online agent can run it`,
    };
  });
}
