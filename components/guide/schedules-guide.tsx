"use client";

import { useBaseUrl } from "@/lib/guide/base-url-context";
import { curlCreateSchedule, YAML_SCHEDULE } from "@/lib/schedules/snippets";
import { CodeSnippet } from "./code-snippet";
import { EmptyState } from "./empty-state";
import { useSnippetToken } from "./snippet-token";

/** The schedules page with no schedule: what a schedule is, and three ways to make one. */
export function SchedulesGuide({ canCreate }: { canCreate: boolean }) {
  const baseUrl = useBaseUrl();
  const { token, control } = useSnippetToken("orchestrator");
  return (
    <EmptyState id="schedules" title="No schedules yet: three ways to make one">
      <p className="text-sm">
        A schedule submits a task or a whole workflow again and again: on a cron expression read in
        its own time zone (<code>0 9 * * 1-5</code>: weekdays at 09:00), or every N seconds. Each
        fire is an ordinary run, listed here with its state.
        {canCreate
          ? " Use New schedule above, declare it in task-manager.yaml, or call the API:"
          : " An orchestrator, operator or admin makes one in task-manager.yaml or over the API:"}
      </p>
      <CodeSnippet label="task-manager.yaml" code={YAML_SCHEDULE} testId="schedules-yaml" />
      {control}
      <CodeSnippet label="curl" code={curlCreateSchedule(baseUrl, token)} testId="schedules-curl" />
    </EmptyState>
  );
}
