import type { Metadata } from "next";
import { AgentsView } from "@/components/agents/agents-view";

export const metadata: Metadata = { title: "Agents · Task Manager" };

export default function AgentsPage() {
  return (
    <section className="flex flex-col gap-4" aria-labelledby="agents-heading">
      <h1 id="agents-heading" className="text-2xl font-semibold">
        Agents
      </h1>
      <AgentsView />
    </section>
  );
}
