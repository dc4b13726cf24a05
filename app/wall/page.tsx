import { WallScreen } from "@/components/wall/wall-screen";
import { requirePagePrincipal } from "@/server/auth/page";
import { getConfig } from "@/server/config";

const DEFAULT_ROTATE_S = 15;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** `/wall?layout=grid` shows every panel at once; otherwise they take turns every `?rotate=` s. */
export default async function WallPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePagePrincipal({ next: "/wall" });
  const params = await searchParams;
  const config = getConfig();
  return (
    <WallScreen
      instanceName={config.taskManager.name}
      layout={params.layout === "grid" ? "grid" : "rotate"}
      rotateMs={rotateSeconds(params.rotate) * 1000}
      usageThreshold={config.taskManager.alertThresholds.resourceUsage}
    />
  );
}

/** Whole seconds from 3 to an hour; anything else falls back to the default. */
function rotateSeconds(value: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(seconds) && seconds >= 3 && seconds <= 3600 ? seconds : DEFAULT_ROTATE_S;
}
