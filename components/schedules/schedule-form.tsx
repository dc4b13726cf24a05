"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useMemo, useState } from "react";
import { FormField, fieldClass } from "@/components/board/form-field";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { type FieldErrors, scheduleFormErrors } from "@/lib/schedules/form-errors";
import {
  CATCHUP_CHOICES,
  emptyFormValues,
  formValuesOf,
  OVERLAP_CHOICES,
  previewInputOf,
  type ScheduleDetail,
  type ScheduleFormValues,
  scheduleInputOf,
  updateInputOf,
} from "@/lib/schedules/form-values";
import { useTRPC } from "@/lib/trpc/client";
import { FirePreview } from "./fire-preview";

const FIELDS = [
  "name",
  "cron",
  "everyS",
  "timezone",
  "spec",
  "overlap",
  "catchup",
  "catchupWindowS",
  "startAt",
  "endAt",
  "paused",
] as const;

const OVERLAP_LABEL: Record<ScheduleFormValues["overlap"], string> = {
  skip: "skip: no new run while the previous one is unfinished",
  allow: "allow: always run",
  buffer_one: "buffer_one: keep one fire until the previous run ends",
  cancel_previous: "cancel_previous: cancel the unfinished run, then run",
};
const CATCHUP_LABEL: Record<ScheduleFormValues["catchup"], string> = {
  none: "none: skip what was missed",
  latest: "latest: run the latest missed fire once",
  all: "all: run every missed fire within the window",
};

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

function zoneChoices(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

/**
 * Creates a schedule, or edits `schedule`. The timing's next fire times are previewed as it is
 * typed; on save the server validates everything (the spec exactly as tasks.submit /
 * workflows.submit would) and its messages are shown under their fields.
 */
export function ScheduleForm({
  schedule,
  onClose,
}: {
  schedule: ScheduleDetail | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const [values, setValues] = useState<ScheduleFormValues>(() =>
    schedule ? formValuesOf(schedule) : emptyFormValues(browserZone()),
  );
  const [errors, setErrors] = useState<FieldErrors>({ fields: {}, form: [] });
  const zones = useMemo(zoneChoices, []);
  const set = <K extends keyof ScheduleFormValues>(key: K, value: ScheduleFormValues[K]) =>
    setValues((current) => ({ ...current, [key]: value }));

  const options = {
    onMutate: () => setErrors({ fields: {}, form: [] }),
    onError: (error: unknown) => setErrors(visibleErrors(scheduleFormErrors(error, FIELDS))),
    onSuccess: () => {
      void queryClient.invalidateQueries(trpc.schedules.list.pathFilter());
      onClose();
    },
  };
  const create = useMutation(trpc.schedules.create.mutationOptions(options));
  const update = useMutation(trpc.schedules.update.mutationOptions(options));
  const pending = create.isPending || update.isPending;
  const editing = schedule !== null;
  const title = editing ? `Edit schedule ${schedule.name}` : "New schedule";

  // The timing field not shown (cron or everyS) cannot carry a message: the form does.
  const hidden = values.timing === "cron" ? "everyS" : "cron";
  const visibleErrors = ({ fields, form }: FieldErrors): FieldErrors => {
    const { [hidden]: moved, ...shown } = fields;
    return { fields: shown, form: [...form, ...(moved ?? []).map((m) => `${hidden}: ${m}`)] };
  };
  const field = (name: (typeof FIELDS)[number]) => errors.fields[name];
  const text = (
    name: "name" | "cron" | "everyS" | "timezone" | "catchupWindowS",
    label: string,
    extra: { hint?: string; list?: string; inputMode?: "numeric" } = {},
  ): ReactNode => (
    <FormField id={`schedule-${name}`} label={label} hint={extra.hint} errors={field(name)}>
      {(props) => (
        <input
          {...props}
          name={name}
          value={values[name]}
          onChange={(event) => set(name, event.target.value)}
          list={extra.list}
          inputMode={extra.inputMode}
          autoComplete="off"
          spellCheck={false}
          className={fieldClass}
        />
      )}
    </FormField>
  );

  return (
    <form
      aria-label={title}
      noValidate
      data-testid="schedule-form"
      className="flex flex-col gap-3 rounded-lg border border-ink-muted/20 bg-surface-raised p-4"
      onSubmit={(event) => {
        event.preventDefault();
        const built = scheduleInputOf(values);
        if (!built.ok) return setErrors({ fields: built.fields, form: [] });
        if (schedule) update.mutate(updateInputOf(schedule.id, built.input));
        else create.mutate(built.input);
      }}
    >
      <h2 className="text-lg font-semibold">{title}</h2>
      {text("name", "Name", { hint: "Unique; letters, digits and _ . : / -" })}
      <fieldset className="flex flex-col gap-2">
        <legend className="text-sm font-medium">Timing</legend>
        <div className="flex gap-4 text-sm">
          {(["cron", "every"] as const).map((timing) => (
            <label key={timing} className="flex items-center gap-1">
              <input
                type="radio"
                name="timing"
                value={timing}
                checked={values.timing === timing}
                onChange={() => set("timing", timing)}
              />
              {timing === "cron" ? "Cron expression" : "Every N seconds"}
            </label>
          ))}
        </div>
        {values.timing === "cron"
          ? text("cron", "Cron", { hint: "5 fields, or 6 with seconds first: 0 9 * * 1-5" })
          : text("everyS", "Every (seconds)", { inputMode: "numeric" })}
        {text("timezone", "Time zone", { hint: "IANA, e.g. Europe/Paris", list: "tz-choices" })}
        <datalist id="tz-choices">
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <FirePreview input={previewInputOf(values)} />
      </fieldset>
      <fieldset className="flex flex-col gap-2">
        <legend className="text-sm font-medium">What each fire submits</legend>
        <div className="flex gap-4 text-sm">
          {(["task", "workflow"] as const).map((kind) => (
            <label key={kind} className="flex items-center gap-1">
              <input
                type="radio"
                name="kind"
                value={kind}
                checked={values.kind === kind}
                onChange={() => set("kind", kind)}
              />
              {kind === "task" ? "A task" : "A workflow"}
            </label>
          ))}
        </div>
        <FormField
          id="schedule-spec"
          label={values.kind === "task" ? "Task spec (JSON)" : "Workflow spec (JSON)"}
          hint={
            values.kind === "task"
              ? "The input of tasks.submit, without idempotencyKey, dependsOn or parentTaskId."
              : "The input of workflows.submit (name, tasks), without idempotencyKey."
          }
          errors={field("spec")}
        >
          {(props) => (
            <textarea
              {...props}
              name="spec"
              rows={8}
              spellCheck={false}
              value={values.spec}
              onChange={(event) => set("spec", event.target.value)}
              className={fieldClass}
            />
          )}
        </FormField>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <FormField id="schedule-overlap" label="Overlap" errors={field("overlap")}>
          {(props) => (
            <select
              {...props}
              name="overlap"
              value={values.overlap}
              onChange={(event) =>
                set("overlap", event.target.value as ScheduleFormValues["overlap"])
              }
              className={fieldClass}
            >
              {OVERLAP_CHOICES.map((choice) => (
                <option key={choice} value={choice}>
                  {OVERLAP_LABEL[choice]}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="schedule-catchup" label="Catch-up after downtime" errors={field("catchup")}>
          {(props) => (
            <select
              {...props}
              name="catchup"
              value={values.catchup}
              onChange={(event) =>
                set("catchup", event.target.value as ScheduleFormValues["catchup"])
              }
              className={fieldClass}
            >
              {CATCHUP_CHOICES.map((choice) => (
                <option key={choice} value={choice}>
                  {CATCHUP_LABEL[choice]}
                </option>
              ))}
            </select>
          )}
        </FormField>
        {text("catchupWindowS", "Catch-up window (seconds)", { inputMode: "numeric" })}
        <div />
        {(["startAt", "endAt"] as const).map((name) => (
          <FormField
            key={name}
            id={`schedule-${name}`}
            label={name === "startAt" ? "Start at (optional)" : "End at (optional)"}
            hint="In your browser's time zone"
            errors={field(name)}
          >
            {(props) => (
              <input
                {...props}
                type="datetime-local"
                step={1}
                name={name}
                value={values[name]}
                onChange={(event) => set(name, event.target.value)}
                className={fieldClass}
              />
            )}
          </FormField>
        ))}
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          name="paused"
          checked={values.paused}
          onChange={(event) => set("paused", event.target.checked)}
        />
        Paused (no fire until resumed)
      </label>
      {errors.form.length > 0 && (
        <div role="alert" data-testid="schedule-form-error" className="text-sm text-danger">
          {errors.form.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
      <div className="flex gap-2">
        <button
          type="submit"
          // A native submit before hydration would put the form in the URL.
          disabled={!hydrated || pending}
          className="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white hover:opacity-90 disabled:opacity-60 dark:text-slate-950"
        >
          {pending ? "Saving…" : editing ? "Save changes" : "Create schedule"}
        </button>
        <button
          type="button"
          onClick={onClose}
          className="rounded border border-ink-muted/40 px-3 py-1.5 text-sm hover:bg-ink/5"
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
