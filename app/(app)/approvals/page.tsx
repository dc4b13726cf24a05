import type { Metadata } from "next";
import { ApprovalsView } from "@/components/approvals/approvals-view";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "Approvals · Task Manager" };

export default async function ApprovalsPage() {
  await requirePagePrincipal();
  return (
    <section className="flex flex-col gap-4" aria-labelledby="approvals-heading">
      <h1 id="approvals-heading" className="text-2xl font-semibold">
        Approvals
      </h1>
      <ApprovalsView />
    </section>
  );
}
