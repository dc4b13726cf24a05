import { z } from "zod";
import { submitTaskInput, submitWorkflowInput } from "@/server/tasks/inputs";
import { pgText, pgTimestamp } from "@/server/validation";
import { CATCHUP_POLICIES, OVERLAP_POLICIES } from "./plan";
import { cronProblem, isTimeZone } from "./times";

export const scheduleName = pgText()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w.:/-]+$/, "letters, digits and _ . : / -");

const cron = pgText()
  .trim()
  .max(200)
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
const timezone = pgText()
  .max(100)
  .refine(isTimeZone, "must be an IANA time zone (Europe/Paris, UTC)");
const everyS = z
  .number()
  .int()
  .min(1)
  .max(366 * 86_400);

/**
 * What a fire submits, validated by the very schemas of `tasks.submit` and `workflows.submit`.
 * An idempotency key would make every fire return the first run, and dependencies name tasks of
 * one moment: neither makes sense in a spec that is submitted again and again.
 */
const taskSpec = submitTaskInput.superRefine((spec, ctx) => {
  for (const key of ["idempotencyKey", "parentTaskId"] as const) {
    if (spec[key] !== undefined) {
      ctx.addIssue({ code: "custom", path: [key], message: "not allowed in a schedule's task" });
    }
  }
  if (spec.dependsOn.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["dependsOn"],
      message: "not allowed in a schedule's task",
    });
  }
});
const workflowSpec = submitWorkflowInput.superRefine((spec, ctx) => {
  if (spec.idempotencyKey !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["idempotencyKey"],
      message: "not allowed in a schedule's workflow",
    });
  }
});

const fields = {
  name: scheduleName,
  /** 5 fields, or 6 with seconds first. Exactly one of `cron` and `everyS`. */
  cron: cron.optional(),
  everyS: everyS.optional(),
  timezone: timezone.default("UTC"),
  /** Exactly one of `task` and `workflow`. */
  task: taskSpec.optional(),
  workflow: workflowSpec.optional(),
  overlap: z.enum(OVERLAP_POLICIES).default("skip"),
  catchup: z.enum(CATCHUP_POLICIES).default("latest"),
  catchupWindowS: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(3600),
  startAt: pgTimestamp().optional(),
  endAt: pgTimestamp().optional(),
  paused: z.boolean().default(false),
};

type Shape = {
  cron?: string;
  everyS?: number;
  task?: unknown;
  workflow?: unknown;
  startAt?: string;
  endAt?: string;
};
function checkChoices(value: Shape, ctx: z.RefinementCtx) {
  if ((value.cron === undefined) === (value.everyS === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["cron"],
      message: "give exactly one of cron and everyS",
    });
  }
  if ((value.task === undefined) === (value.workflow === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["task"],
      message: "give exactly one of task and workflow",
    });
  }
  if (value.startAt && value.endAt && Date.parse(value.endAt) <= Date.parse(value.startAt)) {
    ctx.addIssue({ code: "custom", path: ["endAt"], message: "must be after startAt" });
  }
}

export const scheduleInput = z.strictObject(fields).superRefine(checkChoices);
export type ScheduleParams = z.output<typeof scheduleInput>;

/**
 * A change to some fields. Giving `cron` drops `everyS` and the other way round, `task` drops
 * `workflow` and the other way round; `startAt`/`endAt` null clears them. The merged schedule is
 * validated whole, as at creation.
 */
export const updateScheduleInput = z.strictObject({
  id: z.uuid(),
  name: scheduleName.optional(),
  cron: cron.optional(),
  everyS: everyS.optional(),
  timezone: timezone.optional(),
  task: z.unknown().optional(),
  workflow: z.unknown().optional(),
  overlap: z.enum(OVERLAP_POLICIES).optional(),
  catchup: z.enum(CATCHUP_POLICIES).optional(),
  catchupWindowS: fields.catchupWindowS.unwrap().optional(),
  startAt: pgTimestamp().nullable().optional(),
  endAt: pgTimestamp().nullable().optional(),
  paused: z.boolean().optional(),
});
export type UpdateScheduleParams = z.output<typeof updateScheduleInput>;

export const previewInput = z
  .strictObject({
    cron: cron.optional(),
    everyS: everyS.optional(),
    timezone: timezone.default("UTC"),
    count: z.number().int().min(1).max(100).default(5),
    /** Fire times after this instant; default now. */
    after: pgTimestamp().optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.cron === undefined) === (value.everyS === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["cron"],
        message: "give exactly one of cron and everyS",
      });
    }
  });

export const scheduleIdInput = z.strictObject({ id: z.uuid() });
export const listSchedulesInput = z
  .strictObject({
    limit: z.number().int().min(1).max(500).default(100),
    /** The last name of the previous page. */
    afterName: pgText().max(200).optional(),
  })
  .prefault({});
