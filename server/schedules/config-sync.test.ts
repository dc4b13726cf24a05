import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ConfigError, configSchema, type SchedulesConfig } from "@/server/config";
import { formatPath } from "@/server/config/errors";
import { setupTestDatabase } from "@/test/db";
import { syncSchedulesFromConfig } from "./config-sync";
import { scheduleInput } from "./inputs";
import { createSchedule } from "./manage";

const pg = setupTestDatabase();

/** The file's `schedules:` as the loader hands it over. */
function schedulesOf(file: Record<string, unknown>): SchedulesConfig {
  return configSchema.parse({ schedules: file }).schedules;
}

async function names(source: string) {
  const rows = await pg.db.execute<{ name: string }>(
    sql`select name from schedules where source = ${source} order by name`,
  );
  return rows.map((row) => row.name);
}

describe("schedules declared in task-manager.yaml", () => {
  it("creates, updates, and deletes those that left the file; API schedules stay", async () => {
    await createSchedule(
      pg.db,
      scheduleInput.parse({ name: "made-over-api", everyS: 60, task: { name: "api" } }),
      { tokenId: null, role: "admin" },
    );
    const first = schedulesOf({
      nightly: { cron: "0 2 * * *", timezone: "Europe/Paris", task: { name: "backup" } },
      hourly: {
        every_s: 3600,
        overlap: "allow",
        workflow: { name: "w", tasks: [{ key: "a", name: "a" }] },
      },
    });
    expect(await syncSchedulesFromConfig(pg.db, first)).toEqual({
      created: ["nightly", "hourly"],
      updated: [],
      deleted: [],
    });
    // A second start with the same file writes nothing.
    expect(await syncSchedulesFromConfig(pg.db, first)).toEqual({
      created: [],
      updated: [],
      deleted: [],
    });
    const second = schedulesOf({
      nightly: { cron: "0 3 * * *", timezone: "Europe/Paris", task: { name: "backup" } },
    });
    expect(await syncSchedulesFromConfig(pg.db, second)).toEqual({
      created: [],
      updated: ["nightly"],
      deleted: ["hourly"],
    });
    expect(await names("config")).toEqual(["nightly"]);
    expect(await names("api")).toEqual(["made-over-api"]);
    const [nightly] = await pg.db.execute<{ cron: string }>(
      sql`select cron from schedules where name = 'nightly'`,
    );
    expect(nightly?.cron).toBe("0 3 * * *");
  });

  it("stops the start on a bad entry, naming its key", async () => {
    const badSpec = schedulesOf({ broken: { every_s: 60, task: { name: "x", priority: "high" } } });
    const error = await syncSchedulesFromConfig(pg.db, badSpec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/schedules\.broken\.task\.priority: /);

    const unknownPool = schedulesOf({
      pool: { every_s: 60, task: { name: "x", requires: { nope: 1 } } },
    });
    await expect(syncSchedulesFromConfig(pg.db, unknownPool)).rejects.toThrow(
      /schedules\.pool: .*nope/,
    );

    const badCron = configSchema.safeParse({ schedules: { c: { cron: "99 * * * *", task: {} } } });
    expect(badCron.success).toBe(false);
    expect(formatPath(badCron.error?.issues[0]?.path ?? [])).toBe("schedules.c.cron");
    expect(await names("config")).not.toContain("broken");
  });
});
