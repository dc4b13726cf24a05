"use client";

import Link from "next/link";
import { usePermissions } from "@/lib/auth/role";
import { useBaseUrl } from "@/lib/guide/base-url-context";
import { curlSubmitWorkflow, DEMO_COMMAND, tsSubmitWorkflow } from "@/lib/guide/snippets";
import { CodeSnippet } from "./code-snippet";
import { EmptyState } from "./empty-state";
import { useSnippetToken } from "./snippet-token";

/**
 * The board's and the graph page's guidance when nothing was ever submitted: the demo, the
 * form on the board, or a workflow of two tasks from a script.
 */
export function SubmitGuide({ id, title }: { id: string; title: string }) {
  const baseUrl = useBaseUrl();
  const { submit } = usePermissions();
  const { token, control } = useSnippetToken("orchestrator");
  return (
    <EmptyState id={id} title={title}>
      <ol className="flex list-decimal flex-col gap-3 pl-5 text-sm">
        <li>
          See it live: stop the server and start it with the demo fleet, which submits workflows and
          runs them on eight simulated agents:{" "}
          <code className="rounded bg-ink/5 px-1" data-testid="demo-command">
            {DEMO_COMMAND}
          </code>
        </li>
        <li>
          {submit ? (
            <>
              Submit a task or a workflow from the <strong>Submit work</strong> form on the{" "}
              <Link href="/" className="text-accent underline">
                board
              </Link>
              .
            </>
          ) : (
            <>Submitting from the board's form takes an orchestrator, operator or admin sign-in.</>
          )}
        </li>
        <li>
          <div className="flex flex-col gap-2">
            <span>
              Submit a workflow of two tasks from a script (<code>summarise</code> waits for{" "}
              <code>fetch</code>); an agent with handlers for these types then runs them:
            </span>
            {control}
            <div className="grid gap-3 xl:grid-cols-2">
              <CodeSnippet
                label="curl"
                code={curlSubmitWorkflow(baseUrl, token)}
                testId={`${id}-curl`}
              />
              <CodeSnippet
                label="TypeScript (sdk/)"
                code={tsSubmitWorkflow(baseUrl, token)}
                testId={`${id}-ts`}
              />
            </div>
          </div>
        </li>
      </ol>
    </EmptyState>
  );
}
