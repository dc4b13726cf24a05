import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { insertTask, resetMonitorTables } from "../test-helpers";
import { type OverdueTasksParams, overdueTasks } from "./overdue-tasks";

const pg = setupTestDatabase();

beforeEach(async () => {
  await resetMonitorTables(pg.db);
  await pg.db.execute(sql`delete from tasks`);
});

const params = (state: OverdueTasksParams["state"]): OverdueTasksParams => ({
  state,
  since: sql`started_at`,
  thresholdS: 60,
  describe: (name, elapsed) => `${name} ran ${elapsed}`,
});

describe("overdueTasks", () => {
  it("reports the tasks in its state past the threshold, with the next crossing", async () => {
    const id = await insertTask(pg.db, "running", 90);
    await insertTask(pg.db, "running", 30);
    const { observations, nextDueAt } = await overdueTasks(pg.db, params("running"));
    expect(observations).toMatchObject([{ subject: `task:${id}`, breaching: true }]);
    expect(observations[0]?.value).toBeGreaterThanOrEqual(90);
    expect(nextDueAt).toBeInstanceOf(Date);
  });

  it("refuses a state outside its fixed list instead of splicing it into the SQL", async () => {
    // Under sql.raw this widened the filter to every task, whatever its state.
    await insertTask(pg.db, "succeeded", 90);
    const hostile = "running' or state is not null or state = 'x" as OverdueTasksParams["state"];
    await expect(
      overdueTasks(pg.db, { ...params(hostile), since: sql`created_at` }),
    ).rejects.toThrow(/no such watched state/);
  });
});
