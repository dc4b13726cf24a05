import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RunView } from "@/components/run/run-view";
import { requirePagePrincipal } from "@/server/auth/page";
import { getDb } from "@/server/db";
import { DomainError } from "@/server/errors";
import { workflowExists } from "@/server/workflows/exists";

export const metadata: Metadata = { title: "Workflow run · Task Manager" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A workflow run's page. An unknown or malformed id is a real 404 (checked here, before
 * anything streams); the content is fetched and kept live in the browser.
 */
export default async function WorkflowRunPage({ params }: { params: Promise<{ id: string }> }) {
  // Before the query: whether a workflow exists is data too.
  await requirePagePrincipal();
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  try {
    await workflowExists(getDb(), id);
  } catch (error) {
    if (error instanceof DomainError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  return <RunView id={id.toLowerCase()} />;
}
