import path from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { createDatabase } from "@/db/client";
import { startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { col, queryRows } from "@/db/rows";
import { log as serviceLog } from "@/server/log/logger";
import { createScheduler } from "@/server/scheduler/loop";
import { allSweeps } from "@/server/scheduler/sweeps";
import { scheduleInput } from "@/server/schedules/inputs";
import { createSchedule } from "@/server/schedules/manage";
import { repoRoot } from "./setup";
import { log, summary } from "./stats";

export interface ScheduleBenchParams {
  schedules: number;
  seconds: number;
}

/**
 * Fire lag: `schedules` schedules due every second (`* * * * * *`) for `seconds`, fired by the
 * sweep leader's loop in this process (every sweep of the server, on its own embedded
 * PostgreSQL; no HTTP is involved in firing). Lag of one fire: the wall-clock time its
 * `schedule_fires` row was written minus its fire time.
 */
export async function runScheduleLag(params: ScheduleBenchParams) {
  log("schedules: starting embedded PostgreSQL");
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(repoRoot, ".test-data", "bench-schedules"),
    persistent: false,
    database: "task_manager",
  });
  const { db, sql: pool } = createDatabase(postgres.url, { max: 10, applicationName: "bench" });
  // The scheduler runs in this process, whose stdout is the figures: its info lines ("leading")
  // stay out, its warnings do not. Its logger is a child made now, at this level.
  if (serviceLog.isLevelEnabled("info")) serviceLog.level = "warn";
  const scheduler = createScheduler({
    url: postgres.url,
    db,
    sweeps: allSweeps,
    intervalS: 60,
    instanceId: "bench",
  });
  try {
    await migrateDatabase(postgres.url);
    log(`schedules: creating ${params.schedules} schedules due every second`);
    for (let i = 0; i < params.schedules; i++) {
      await createSchedule(
        db,
        scheduleInput.parse({
          name: `bench-${i}`,
          cron: "* * * * * *",
          overlap: "allow",
          task: { name: `bench ${i}`, type: "bench-schedule" },
        }),
        { tokenId: null, role: "admin" },
      );
    }
    // Where a pass's time goes: the other sweeps share the loop with the schedules.
    const sweepMs = new Map<string, number[]>();
    scheduler.events.on("pass", (report) => {
      for (const result of report.results) {
        const list = sweepMs.get(result.name) ?? [];
        list.push(result.durationMs);
        sweepMs.set(result.name, list);
      }
    });
    const start = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    await db.execute(sql`update schedules set next_fire_at = ${start.toISOString()}`);
    scheduler.start();
    log(`schedules: firing for ${params.seconds} s`);
    const end = new Date(start.getTime() + params.seconds * 1000);
    await new Promise((resolve) => setTimeout(resolve, end.getTime() - Date.now() + 2000));
    await scheduler.stop();
    const rows = await queryRows(
      db,
      "schedule lag",
      z.object({ lag_ms: col.number() }),
      sql`
      select extract(epoch from (created_at - fire_at)) * 1000 as lag_ms from schedule_fires
      where fire_at >= ${start.toISOString()} and fire_at < ${end.toISOString()}`,
    );
    const expected = params.schedules * params.seconds;
    const lags = rows.map((row) => Number(row.lag_ms));
    const sweeps = Object.fromEntries(
      [...sweepMs].map(([name, durations]) => [name, summary(durations).p50]),
    );
    return { expected, made: lags.length, lag: summary(lags), sweepP50Ms: sweeps };
  } finally {
    await scheduler.stop();
    await pool.end({ timeout: 5 });
    await postgres.stop();
  }
}
