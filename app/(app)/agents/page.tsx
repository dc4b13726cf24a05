import type { Metadata } from "next";
import { AgentsView } from "@/components/agents/agents-view";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "Agents · Task Manager" };

export default async function AgentsPage() {
  await requirePagePrincipal();
  return (
    <section className="flex flex-col gap-4" aria-labelledby="agents-heading">
      <h1 id="agents-heading" className="text-2xl font-semibold">
        Agents
      </h1>
      <AgentsView />
    </section>
  );
}
