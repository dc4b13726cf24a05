import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { makeAgent } from "@/test/engine";
import { agentStatus } from "./agent-status";

const pg = setupTestDatabase();

describe("agentStatus", () => {
  it("counts agents by status and gives each one's heartbeat age, stalest first", async () => {
    const fresh = await makeAgent(pg.db, { name: "fresh" });
    const late = await makeAgent(pg.db, { name: "late" });
    const dead = await makeAgent(pg.db, { name: "dead" });
    await makeAgent(pg.db, { name: "draining" });
    await pg.db.execute(sql`
      update agents set last_heartbeat_at = now() - make_interval(secs => case name
          when 'late' then 30 when 'dead' then 600 when 'draining' then 5 else 0 end),
        status = (case name when 'dead' then 'offline' when 'draining' then 'draining'
          else 'online' end)::agent_status`);

    const summary = await agentStatus(pg.db);
    expect(summary.counts).toEqual({ online: 2, draining: 1, offline: 1 });
    expect(summary.agents.map((a) => a.name)).toEqual(["dead", "late", "draining", "fresh"]);
    const byId = new Map(summary.agents.map((a) => [a.id, a]));
    // Ages are measured by the database clock a moment after the update: allow that moment.
    expect(byId.get(late.agentId)?.heartbeatAgeS).toBeGreaterThanOrEqual(30);
    expect(byId.get(late.agentId)?.heartbeatAgeS).toBeLessThan(35);
    expect(byId.get(dead.agentId)).toMatchObject({ status: "offline" });
    expect(byId.get(dead.agentId)?.heartbeatAgeS).toBeGreaterThanOrEqual(600);
    expect(byId.get(fresh.agentId)?.lastHeartbeatAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  });
});
