"use client";

import { useBaseUrl } from "@/lib/guide/base-url-context";
import { DEMO_COMMAND, tsAgentWorker } from "@/lib/guide/snippets";
import { CodeSnippet } from "./code-snippet";
import { EmptyState } from "./empty-state";
import { useSnippetToken } from "./snippet-token";

/** The agents page with no agent: how one registers (the SDK worker), or the demo's fleet. */
export function AgentsGuide() {
  const baseUrl = useBaseUrl();
  const { token, control } = useSnippetToken("agent");
  return (
    <EmptyState id="agents" title="No agent has registered yet">
      <p className="text-sm">
        An agent appears here when it registers: the SDK's worker does it when it starts, with an{" "}
        <strong>agent</strong> token, its capabilities and its own capacity, then claims the tasks
        it has handlers for and heartbeats while it runs them. To see a fleet at once, start the
        server with the demo:{" "}
        <code className="rounded bg-ink/5 px-1" data-testid="demo-command">
          {DEMO_COMMAND}
        </code>
        .
      </p>
      {control}
      <CodeSnippet
        label="TypeScript (sdk/): an agent worker"
        code={tsAgentWorker(baseUrl, token)}
        testId="agents-ts"
      />
      <p className="text-sm text-ink-muted">
        Over plain HTTP it is <code>agents.register</code>, then <code>agents.claim</code>: see the
        API docs linked above.
      </p>
    </EmptyState>
  );
}
