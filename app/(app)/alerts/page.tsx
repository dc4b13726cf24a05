import type { Metadata } from "next";
import { AlertsView } from "@/components/alerts/alerts-view";
import { requirePagePrincipal } from "@/server/auth/page";
import { getConfig } from "@/server/config";
import { ruleGuide } from "@/server/monitor/rule-guide";

export const metadata: Metadata = { title: "Alerts · Task Manager" };

export default async function AlertsPage() {
  await requirePagePrincipal();
  return (
    <section className="flex flex-col gap-4" aria-labelledby="alerts-heading">
      <h1 id="alerts-heading" className="text-2xl font-semibold">
        Alerts
      </h1>
      <AlertsView
        rules={ruleGuide(getConfig().taskManager.alertThresholds, getConfig().taskManager.agents)}
      />
    </section>
  );
}
