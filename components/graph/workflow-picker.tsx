"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/lib/trpc/client";

/** Chooses the workflow shown; the choice lives in the URL (`/graph?workflow=<id>`). */
export function WorkflowPicker({ selected }: { selected: string | undefined }) {
  const trpc = useTRPC();
  const router = useRouter();
  const list = useQuery(trpc.workflows.list.queryOptions({ limit: 100 }));
  const workflows = list.data?.items ?? [];
  const known = selected === undefined || workflows.some((w) => w.id === selected);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <label htmlFor="workflow-picker" className="font-medium">
        Workflow
      </label>
      <select
        id="workflow-picker"
        className="max-w-full rounded border border-ink-muted/40 bg-surface-raised px-2 py-1"
        value={selected ?? ""}
        onChange={(event) => {
          const id = event.target.value;
          router.push(id ? `/graph?workflow=${encodeURIComponent(id)}` : "/graph");
        }}
        data-testid="workflow-picker"
      >
        <option value="">{list.isPending ? "Loading workflows…" : "Choose a workflow"}</option>
        {known ? null : <option value={selected}>{selected}</option>}
        {workflows.map((workflow) => (
          <option key={workflow.id} value={workflow.id}>
            {`${workflow.name} — ${workflow.done}/${workflow.total} finished${
              workflow.counts.failed > 0 ? `, ${workflow.counts.failed} failed` : ""
            } (${new Date(workflow.createdAt).toLocaleString()})`}
          </option>
        ))}
      </select>
      {list.isError ? (
        <span role="alert" className="text-danger">
          Workflows could not be loaded: {list.error.message}
        </span>
      ) : null}
    </div>
  );
}
