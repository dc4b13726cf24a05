import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TaskView } from "@/components/task/task-view";
import { requirePagePrincipal } from "@/server/auth/page";
import { getDb } from "@/server/db";
import { DomainError } from "@/server/errors";
import { getTask } from "@/server/tasks/queries";

export const metadata: Metadata = { title: "Task · Task Manager" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A task's page. An unknown id is a real 404 (checked here, before anything streams); the
 * content itself is fetched and kept live in the browser.
 */
export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  // Before the query: whether a task exists is data too.
  await requirePagePrincipal();
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  try {
    await getTask(getDb(), id);
  } catch (error) {
    if (error instanceof DomainError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  return <TaskView id={id.toLowerCase()} />;
}
