"use client";

import { useState } from "react";
import { TaskSubmitForm } from "./task-submit-form";
import { WorkflowSubmitForm } from "./workflow-submit-form";

/** Submitting work from the board: one task, or a workflow pasted as JSON or YAML. */
export function SubmitPanel() {
  const [mode, setMode] = useState<"task" | "workflow">("task");
  return (
    <details className="rounded-lg border border-ink-muted/20 bg-surface-raised p-3">
      <summary className="cursor-pointer font-medium">Submit work</summary>
      <div className="mt-3 flex flex-col gap-3">
        <fieldset className="flex gap-4 text-sm">
          <legend className="sr-only">What to submit</legend>
          <label className="flex items-center gap-1">
            <input
              type="radio"
              name="submit-mode"
              checked={mode === "task"}
              onChange={() => setMode("task")}
            />
            One task
          </label>
          <label className="flex items-center gap-1">
            <input
              type="radio"
              name="submit-mode"
              checked={mode === "workflow"}
              onChange={() => setMode("workflow")}
            />
            A workflow (JSON or YAML)
          </label>
        </fieldset>
        {mode === "task" ? <TaskSubmitForm /> : <WorkflowSubmitForm />}
      </div>
    </details>
  );
}
