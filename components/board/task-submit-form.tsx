"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { type JsonValue, parseJson } from "@/lib/forms/parse-document";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useTRPC } from "@/lib/trpc/client";
import { formErrorsOf } from "@/lib/trpc/errors";
import type { RouterInputs } from "@/sdk/client";
import { FormField, fieldClass } from "./form-field";

/** The `tasks.submit` fields this form edits, by their API names (errors come back by them). */
const FIELDS = [
  "name",
  "type",
  "priority",
  "payload",
  "capabilities",
  "requires",
  "dependsOn",
  "maxAttempts",
  "timeoutS",
] as const;
type Field = (typeof FIELDS)[number];
type Errors = { fields: Partial<Record<Field, string[]>>; form: string[] };

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * Reads the form into a `tasks.submit` input. Only JSON syntax is checked here: every other
 * rule is the server's, whose messages come back per field.
 */
function readForm(form: FormData): { input: Record<string, JsonValue> } | { errors: Errors } {
  const text = (name: Field) => String(form.get(name) ?? "").trim();
  const input: Record<string, JsonValue> = { name: text("name") };
  const errors: Errors = { fields: {}, form: [] };
  if (text("type")) input.type = text("type");
  for (const name of ["priority", "maxAttempts", "timeoutS"] as const) {
    if (text(name)) input[name] = Number(text(name));
  }
  for (const name of ["payload", "requires"] as const) {
    if (!text(name)) continue;
    const parsed = parseJson(text(name));
    if (parsed.ok) input[name] = parsed.value;
    else errors.fields[name] = [parsed.message];
  }
  if (text("capabilities")) input.capabilities = list(text("capabilities"));
  if (text("dependsOn")) input.dependsOn = list(text("dependsOn"));
  return Object.keys(errors.fields).length > 0 ? { errors } : { input };
}

export function TaskSubmitForm() {
  const trpc = useTRPC();
  const hydrated = useHydrated();
  const [errors, setErrors] = useState<Errors>({ fields: {}, form: [] });
  const submit = useMutation(
    trpc.tasks.submit.mutationOptions({
      onMutate: () => setErrors({ fields: {}, form: [] }),
      onError: (error) => setErrors(formErrorsOf(error, FIELDS)),
    }),
  );
  const field = (name: Field) => errors.fields[name];

  return (
    <form
      aria-label="Submit a task"
      noValidate
      className="grid gap-3 md:grid-cols-3"
      onSubmit={(event) => {
        event.preventDefault();
        const read = readForm(new FormData(event.currentTarget));
        if ("errors" in read) return setErrors(read.errors);
        // The server validates the whole input (zod); this form only shapes it.
        submit.mutate(read.input as RouterInputs["tasks"]["submit"]);
      }}
    >
      <FormField id="task-name" label="Name" errors={field("name")}>
        {(props) => <input {...props} name="name" className={fieldClass} />}
      </FormField>
      <FormField id="task-type" label="Type" hint="default: default" errors={field("type")}>
        {(props) => <input {...props} name="type" className={fieldClass} />}
      </FormField>
      <FormField
        id="task-priority"
        label="Priority"
        hint="higher runs first"
        errors={field("priority")}
      >
        {(props) => (
          <input {...props} name="priority" type="number" defaultValue={0} className={fieldClass} />
        )}
      </FormField>
      <FormField id="task-payload" label="Payload (JSON)" errors={field("payload")}>
        {(props) => (
          <textarea {...props} name="payload" rows={3} defaultValue="{}" className={fieldClass} />
        )}
      </FormField>
      <FormField
        id="task-requires"
        label="Requires (JSON)"
        hint='resources, e.g. {"cpu": 2}'
        errors={field("requires")}
      >
        {(props) => <textarea {...props} name="requires" rows={3} className={fieldClass} />}
      </FormField>
      <div className="flex flex-col gap-3">
        <FormField
          id="task-capabilities"
          label="Capabilities"
          hint="comma-separated"
          errors={field("capabilities")}
        >
          {(props) => <input {...props} name="capabilities" className={fieldClass} />}
        </FormField>
        <FormField
          id="task-depends-on"
          label="Depends on"
          hint="task ids, comma-separated"
          errors={field("dependsOn")}
        >
          {(props) => <input {...props} name="dependsOn" className={fieldClass} />}
        </FormField>
      </div>
      <FormField id="task-max-attempts" label="Max attempts" errors={field("maxAttempts")}>
        {(props) => (
          <input
            {...props}
            name="maxAttempts"
            type="number"
            defaultValue={3}
            className={fieldClass}
          />
        )}
      </FormField>
      <FormField id="task-timeout" label="Timeout (s)" hint="optional" errors={field("timeoutS")}>
        {(props) => <input {...props} name="timeoutS" type="number" className={fieldClass} />}
      </FormField>
      <div className="flex flex-col justify-end gap-2 md:col-span-3">
        {errors.form.length > 0 && (
          <ul role="alert" className="text-sm text-danger">
            {errors.form.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        )}
        {submit.isSuccess && errors.form.length === 0 && (
          <p role="status" className="text-sm">
            Submitted{" "}
            <Link className="text-accent underline" href={`/tasks/${submit.data.task.id}`}>
              {submit.data.task.name}
            </Link>
            {submit.data.created ? "" : " (already submitted with that idempotency key)"}.
          </p>
        )}
        <button
          type="submit"
          // A native submit before hydration would put the form in the URL.
          disabled={!hydrated || submit.isPending}
          className="self-start rounded bg-accent px-3 py-1.5 text-sm font-medium text-white hover:opacity-90 disabled:opacity-60 dark:text-slate-950"
        >
          {submit.isPending ? "Submitting…" : "Submit task"}
        </button>
      </div>
    </form>
  );
}
