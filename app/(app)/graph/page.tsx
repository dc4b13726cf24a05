import { redirect } from "next/navigation";
import { z } from "zod";
import { requirePagePrincipal } from "@/server/auth/page";

/**
 * The old graph page: the graph is now a section of the run page. `/graph?workflow=<id>` links
 * (bookmarks, older screenshots, scripts) land on that run's graph; anything else on the runs list.
 */
export default async function GraphPage({
  searchParams,
}: {
  searchParams: Promise<{ workflow?: string | string[] }>;
}) {
  await requirePagePrincipal();
  const { workflow } = await searchParams;
  const id = z.uuid().safeParse(workflow);
  redirect(id.success ? `/workflows/${id.data.toLowerCase()}?tab=graph` : "/workflows");
}
