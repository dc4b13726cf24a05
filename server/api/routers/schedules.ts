import { getRunningScheduler } from "@/server/scheduler/start";
import {
  listSchedulesInput,
  previewInput,
  scheduleIdInput,
  scheduleInput,
  updateScheduleInput,
} from "@/server/schedules/inputs";
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  previewSchedule,
  setSchedulePaused,
  triggerSchedule,
  updateSchedule,
} from "@/server/schedules/manage";
import { createTRPCRouter, orchestratorProcedure, viewerProcedure } from "../trpc";

/**
 * A new or changed next fire time may be sooner than the loop's sleep: wake it at once when it
 * runs in this process (another instance's leader wakes on the `schedule.changed` event).
 */
function wakeScheduler<T>(result: T): T {
  getRunningScheduler()?.wake();
  return result;
}

/**
 * Recurring submissions (README "Schedules"): operators and admins manage any schedule,
 * orchestrators create schedules and manage those their own token created
 * (server/schedules/rows.ts `assertManages`); every role reads.
 */
export const schedulesRouter = createTRPCRouter({
  create: orchestratorProcedure
    .input(scheduleInput)
    .mutation(async ({ ctx, input }) =>
      wakeScheduler(await createSchedule(ctx.db, input, ctx.principal)),
    ),
  update: orchestratorProcedure
    .input(updateScheduleInput)
    .mutation(async ({ ctx, input }) =>
      wakeScheduler(await updateSchedule(ctx.db, input, ctx.principal)),
    ),
  delete: orchestratorProcedure
    .input(scheduleIdInput)
    .mutation(({ ctx, input }) => deleteSchedule(ctx.db, input.id, ctx.principal)),
  get: viewerProcedure
    .input(scheduleIdInput)
    .query(({ ctx, input }) => getSchedule(ctx.db, input.id, ctx.principal)),
  list: viewerProcedure
    .input(listSchedulesInput)
    .query(({ ctx, input }) => listSchedules(ctx.db, input, ctx.principal)),
  pause: orchestratorProcedure
    .input(scheduleIdInput)
    .mutation(({ ctx, input }) => setSchedulePaused(ctx.db, input.id, true, ctx.principal)),
  resume: orchestratorProcedure
    .input(scheduleIdInput)
    .mutation(async ({ ctx, input }) =>
      wakeScheduler(await setSchedulePaused(ctx.db, input.id, false, ctx.principal)),
    ),
  /** Fires now, whatever the timing and the overlap policy say. */
  trigger: orchestratorProcedure
    .input(scheduleIdInput)
    .mutation(({ ctx, input }) => triggerSchedule(ctx.db, input.id, ctx.principal)),
  /** The next fire times of a cron expression or interval, before saving it. */
  preview: viewerProcedure.input(previewInput).query(({ input }) => previewSchedule(input)),
});
