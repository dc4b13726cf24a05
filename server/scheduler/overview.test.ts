import { once } from "node:events";
import { afterEach, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { createScheduler, type Scheduler } from "./loop";
import { getSchedulerOverview } from "./overview";

const pg = setupTestDatabase();
let scheduler: Scheduler | undefined;

afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});

it("without a scheduler in this process, still names the cluster's leader (none)", async () => {
  expect(await getSchedulerOverview(pg.db, null)).toEqual({
    leader: null,
    thisInstance: null,
    nextPassAt: null,
  });
});

it("on the leader, names it and gives its next planned pass", async () => {
  scheduler = createScheduler({
    url: pg.url,
    db: pg.db,
    sweeps: [],
    intervalS: 60,
    instanceId: "overview-leader",
  });
  const passed = once(scheduler.events, "pass");
  scheduler.start();
  await passed;

  const overview = await getSchedulerOverview(pg.db, scheduler);
  expect(overview.leader?.instanceId).toBe("overview-leader");
  expect(overview.thisInstance).toMatchObject({ instanceId: "overview-leader", isLeader: true });
  expect(overview.nextPassAt).toBeInstanceOf(Date);
  expect(overview.nextPassAt).toEqual(overview.thisInstance?.nextPassAt);
});
