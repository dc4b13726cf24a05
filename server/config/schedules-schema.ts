import { z } from "zod";
import { CATCHUP_POLICIES, OVERLAP_POLICIES } from "@/server/schedules/plan";
import { cronProblem, isTimeZone } from "@/server/schedules/times";
import { mapping, seconds } from "./fields";

/** The `schedules:` section of `task-manager.yaml` (schema.ts holds the rest of the file). */

const timestampText = z.iso.datetime({
  offset: true,
  error: "expected an ISO 8601 timestamp with an offset",
});

// A schedule as the file declares it. Its task or workflow spec is checked at start against
// the very schemas of tasks.submit / workflows.submit (server/schedules/config-sync.ts): they
// read the limits above, which do not exist while the file is being read.
const scheduleEntrySchema = z
  .strictObject(
    {
      cron: z
        .string({ error: "expected a cron expression" })
        .superRefine((value, ctx) => {
          const problem = cronProblem(value);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .optional(),
      every_s: z
        .number({ error: "expected a whole number of seconds" })
        .int({ error: "expected a whole number of seconds" })
        .positive({ error: "expected a whole number of seconds" })
        .optional(),
      timezone: z
        .string({ error: "expected an IANA time zone" })
        .refine(isTimeZone, { error: "expected an IANA time zone (Europe/Paris, UTC)" })
        .default("UTC"),
      task: z.record(z.string(), z.unknown(), mapping).optional(),
      workflow: z.record(z.string(), z.unknown(), mapping).optional(),
      overlap: z
        .enum(OVERLAP_POLICIES, { error: `expected one of ${OVERLAP_POLICIES.join(", ")}` })
        .default("skip"),
      catchup: z
        .enum(CATCHUP_POLICIES, { error: `expected one of ${CATCHUP_POLICIES.join(", ")}` })
        .default("latest"),
      catchup_window_s: seconds(3600),
      start_at: timestampText.optional(),
      end_at: timestampText.optional(),
      paused: z.boolean({ error: "expected true or false" }).default(false),
    },
    mapping,
  )
  .superRefine((entry, ctx) => {
    if ((entry.cron === undefined) === (entry.every_s === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "expected exactly one of cron and every_s",
      });
    }
    if ((entry.task === undefined) === (entry.workflow === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "expected exactly one of task and workflow",
      });
    }
  })
  .transform((entry) => ({
    cron: entry.cron,
    everyS: entry.every_s,
    timezone: entry.timezone,
    task: entry.task,
    workflow: entry.workflow,
    overlap: entry.overlap,
    catchup: entry.catchup,
    catchupWindowS: entry.catchup_window_s,
    startAt: entry.start_at,
    endAt: entry.end_at,
    paused: entry.paused,
  }));

// Keyed by the schedule's unique name; reconciled with the schedules table at start.
export const schedulesSchema = z
  .record(
    z
      .string()
      .regex(/^[\w.:/-]{1,200}$/, { error: "expected a name of letters, digits and _ . : / -" }),
    scheduleEntrySchema,
    mapping,
  )
  .default(() => ({}));
