import type { Metadata } from "next";
import { z } from "zod";
import { GraphPageView } from "@/components/graph/graph-page-view";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "Dependency graph · Task Manager" };

/** `/graph?workflow=<id>`: a workflow's DAG, live. The id in the URL makes the view linkable. */
export default async function GraphPage({
  searchParams,
}: {
  searchParams: Promise<{ workflow?: string | string[] }>;
}) {
  await requirePagePrincipal();
  const { workflow } = await searchParams;
  const id = z.uuid().safeParse(workflow);
  return (
    <section className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">Dependency graph</h1>
      {workflow !== undefined && !id.success ? (
        <p role="alert" className="text-danger">
          “{String(workflow)}” is not a workflow id.
        </p>
      ) : null}
      <GraphPageView workflowId={id.success ? id.data : undefined} />
    </section>
  );
}
