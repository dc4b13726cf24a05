"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { parseJsonOrYaml } from "@/lib/forms/parse-document";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage, formErrorsOf } from "@/lib/trpc/errors";
import type { RouterInputs } from "@/sdk/client";
import { FormField, fieldClass } from "./form-field";

const EXAMPLE = `name: weekly report
tasks:
  - key: fetch
    name: Fetch the figures
    type: fetch
  - key: summarise
    name: Summarise them
    dependsOn: [fetch]`;

/** A whole workflow, pasted as JSON or YAML, for `workflows.submit`. */
export function WorkflowSubmitForm() {
  const trpc = useTRPC();
  const hydrated = useHydrated();
  const [errors, setErrors] = useState<string[]>([]);
  const submit = useMutation(
    trpc.workflows.submit.mutationOptions({
      onMutate: () => setErrors([]),
      onError: (error) => {
        const { fields, form } = formErrorsOf(error, []);
        setErrors(form.length > 0 || Object.keys(fields).length > 0 ? form : [errorMessage(error)]);
      },
    }),
  );

  return (
    <form
      aria-label="Submit a workflow"
      noValidate
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        const text = String(new FormData(event.currentTarget).get("document") ?? "");
        const parsed = parseJsonOrYaml(text);
        if (!parsed.ok) return setErrors([parsed.message]);
        // The server validates the whole document (zod) and answers per field.
        submit.mutate(parsed.value as RouterInputs["workflows"]["submit"]);
      }}
    >
      <FormField
        id="workflow-document"
        label="Workflow (JSON or YAML)"
        hint="A name and tasks; tasks name their dependencies by key (see the example below)."
        errors={errors}
      >
        {(props) => (
          <textarea
            {...props}
            name="document"
            rows={10}
            spellCheck={false}
            className={fieldClass}
          />
        )}
      </FormField>
      <details className="text-sm">
        <summary className="cursor-pointer">Example</summary>
        <pre className="mt-1 rounded bg-surface p-2 font-mono text-xs">{EXAMPLE}</pre>
      </details>
      {submit.isSuccess && errors.length === 0 && (
        <p role="status" className="text-sm">
          Submitted workflow {submit.data.workflow.name}: {submit.data.tasks.length} tasks.
        </p>
      )}
      <button
        type="submit"
        // A native submit before hydration would put the form in the URL.
        disabled={!hydrated || submit.isPending}
        className="self-start rounded bg-accent px-3 py-1.5 text-sm font-medium text-white hover:opacity-90 disabled:opacity-60 dark:text-slate-950"
      >
        {submit.isPending ? "Submitting…" : "Submit workflow"}
      </button>
    </form>
  );
}
