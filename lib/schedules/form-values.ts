import type { RouterInputs, RouterOutputs } from "@/sdk/client";

export type ScheduleDetail = RouterOutputs["schedules"]["get"];
export type ScheduleInput = RouterInputs["schedules"]["create"];
export type SchedulePreviewInput = RouterInputs["schedules"]["preview"];

export const OVERLAP_CHOICES = ["skip", "allow", "buffer_one", "cancel_previous"] as const;
export const CATCHUP_CHOICES = ["none", "latest", "all"] as const;

/** The form's fields, as the controls hold them (text, before any parsing). */
export interface ScheduleFormValues {
  name: string;
  timing: "cron" | "every";
  cron: string;
  everyS: string;
  timezone: string;
  kind: "task" | "workflow";
  /** The task or workflow spec, as JSON. */
  spec: string;
  overlap: (typeof OVERLAP_CHOICES)[number];
  catchup: (typeof CATCHUP_CHOICES)[number];
  catchupWindowS: string;
  /** `datetime-local` values, in the browser's time zone; empty for none. */
  startAt: string;
  endAt: string;
  paused: boolean;
}

const EXAMPLE_TASK = { name: "Nightly report", type: "report", payload: { table: "sales" } };

/** A new schedule's form: every weekday at 09:00 in the browser's zone, a task to fill in. */
export function emptyFormValues(timezone: string): ScheduleFormValues {
  return {
    name: "",
    timing: "cron",
    cron: "0 9 * * 1-5",
    everyS: "3600",
    timezone,
    kind: "task",
    spec: JSON.stringify(EXAMPLE_TASK, null, 2),
    overlap: "skip",
    catchup: "latest",
    catchupWindowS: "3600",
    startAt: "",
    endAt: "",
    paused: false,
  };
}

/** The form of an existing schedule, for editing it. */
export function formValuesOf(schedule: ScheduleDetail): ScheduleFormValues {
  return {
    name: schedule.name,
    timing: schedule.cron !== null ? "cron" : "every",
    cron: schedule.cron ?? "",
    everyS: schedule.everyS !== null ? String(schedule.everyS) : "",
    timezone: schedule.timezone,
    kind: schedule.kind,
    spec: JSON.stringify(schedule.kind === "task" ? schedule.task : schedule.workflow, null, 2),
    overlap: schedule.overlap,
    catchup: schedule.catchup,
    catchupWindowS: String(schedule.catchupWindowS),
    startAt: schedule.startAt ? toLocalInput(schedule.startAt) : "",
    endAt: schedule.endAt ? toLocalInput(schedule.endAt) : "",
    paused: schedule.paused,
  };
}

/** An instant as a `datetime-local` value in the browser's zone ("2026-12-24T09:00"). */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  const seconds = date.getSeconds() !== 0 ? `:${pad(date.getSeconds())}` : "";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(
    date.getHours(),
  )}:${pad(date.getMinutes())}${seconds}`;
}

/** A `datetime-local` value (the browser's zone) as ISO 8601, or null when it is no date. */
export function fromLocalInput(value: string): string | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A whole number, or the text itself so the server names what is wrong with it. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export type Built =
  | { ok: true; input: ScheduleInput }
  | { ok: false; fields: Record<string, string[]> };

/**
 * What the form sends to `schedules.create` (and, with an id, `schedules.update`). Only what the
 * browser must do itself is checked here (the spec is JSON, dates are dates); the server
 * validates the rest and its messages are shown by field.
 */
export function scheduleInputOf(values: ScheduleFormValues): Built {
  const fields: Record<string, string[]> = {};
  let spec: unknown;
  try {
    spec = JSON.parse(values.spec);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    fields.spec = [`not valid JSON: ${message}`];
  }
  const dates: Record<"startAt" | "endAt", string | null> = { startAt: null, endAt: null };
  for (const key of ["startAt", "endAt"] as const) {
    if (!values[key]) continue;
    dates[key] = fromLocalInput(values[key]);
    if (dates[key] === null) fields[key] = ["not a date and time"];
  }
  if (Object.keys(fields).length > 0) return { ok: false, fields };
  const input = {
    name: values.name.trim(),
    ...(values.timing === "cron"
      ? { cron: values.cron }
      : { everyS: numberOrText(values.everyS) as number }),
    timezone: values.timezone.trim(),
    ...(values.kind === "task"
      ? { task: spec as ScheduleInput["task"] }
      : { workflow: spec as ScheduleInput["workflow"] }),
    overlap: values.overlap,
    catchup: values.catchup,
    catchupWindowS: numberOrText(values.catchupWindowS) as number,
    ...(dates.startAt ? { startAt: dates.startAt } : {}),
    ...(dates.endAt ? { endAt: dates.endAt } : {}),
    paused: values.paused,
  };
  return { ok: true, input };
}

/**
 * An update sends every field: `startAt`/`endAt` left empty are cleared (null), and the timing
 * and spec given replace the other kind (server/schedules/inputs.ts).
 */
export function updateInputOf(
  id: string,
  input: ScheduleInput,
): RouterInputs["schedules"]["update"] {
  return { id, ...input, startAt: input.startAt ?? null, endAt: input.endAt ?? null };
}

/** What the live preview asks for, or null while the timing is blank. */
export function previewInputOf(values: ScheduleFormValues): SchedulePreviewInput | null {
  const timezone = values.timezone.trim() || "UTC";
  if (values.timing === "cron") {
    return values.cron.trim() ? { cron: values.cron, timezone, count: 5 } : null;
  }
  const everyS = numberOrText(values.everyS);
  return everyS === "" ? null : { everyS: everyS as number, timezone, count: 5 };
}
