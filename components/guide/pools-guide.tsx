"use client";

import { useBaseUrl } from "@/lib/guide/base-url-context";
import { curlUpsertPool, YAML_POOLS } from "@/lib/guide/snippets";
import { CodeSnippet } from "./code-snippet";
import { EmptyState } from "./empty-state";
import { useSnippetToken } from "./snippet-token";

/** The resources page with no pool: where pools come from. */
export function PoolsGuide() {
  const baseUrl = useBaseUrl();
  const { token, control } = useSnippetToken("operator");
  return (
    <EmptyState id="pools" title="No pools are configured">
      <p className="text-sm">
        A pool is a shared capacity (GPU nodes, an API quota) that tasks draw from with{" "}
        <code>requires: {"{ gpu: 1 }"}</code>: a task waits until its share is free. Pools come from{" "}
        <code>task-manager.yaml</code> at start, or from <code>resources.upsert</code> (an operator
        or admin token) while the server runs.
      </p>
      <CodeSnippet label="task-manager.yaml" code={YAML_POOLS} testId="pools-yaml" />
      {control}
      <CodeSnippet label="curl" code={curlUpsertPool(baseUrl, token)} testId="pools-curl" />
    </EmptyState>
  );
}
