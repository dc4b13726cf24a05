import type { Metadata } from "next";
import { SchedulesView } from "@/components/schedules/schedules-view";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "Schedules · Task Manager" };

/** Recurring submissions: every schedule, its coming and latest fires, kept live. */
export default async function SchedulesPage() {
  await requirePagePrincipal();
  return (
    <section className="flex flex-col gap-4" aria-labelledby="schedules-heading">
      <h1 id="schedules-heading" className="text-2xl font-semibold">
        Schedules
      </h1>
      <SchedulesView />
    </section>
  );
}
