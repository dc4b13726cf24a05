import type { Metadata } from "next";
import { ResourcesView } from "@/components/resources/resources-view";
import { formatPercent } from "@/lib/format/percent";
import { requirePagePrincipal } from "@/server/auth/page";
import { getConfig } from "@/server/config";

export const metadata: Metadata = { title: "Resources · Task Manager" };

/** The threshold comes from the configuration here, on the server: the API does not expose it. */
export default async function ResourcesPage() {
  await requirePagePrincipal();
  const config = getConfig();
  const threshold = config.taskManager.alertThresholds.resourceUsage;
  return (
    <section className="flex flex-col gap-4" aria-labelledby="resources-heading">
      <div className="flex flex-col gap-1">
        <h1 id="resources-heading" className="text-2xl font-semibold">
          Resources
        </h1>
        <p
          className="text-sm text-ink-muted"
          data-testid="usage-threshold"
          data-threshold={threshold}
        >
          A resource_usage alert opens at {formatPercent(threshold)} of capacity (the dashed line).
        </p>
      </div>
      <ResourcesView threshold={threshold} agentResources={config.resources.agent} />
    </section>
  );
}
