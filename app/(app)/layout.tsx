import { headers } from "next/headers";
import type { ReactNode } from "react";
import { AlertToasts } from "@/components/alerts/alert-toasts";
import { AppHeader } from "@/components/shell/app-header";
import { RoleProvider } from "@/lib/auth/role";
import { BaseUrlProvider } from "@/lib/guide/base-url-context";
import { LiveEventsProvider } from "@/lib/live/live-events";
import { TrpcProviders } from "@/lib/trpc/client";
import { requirePagePrincipal } from "@/server/auth/page";
import { getConfig } from "@/server/config";
import { liveStreamStartId } from "@/server/events/page-start";
import { requestBaseUrl } from "@/server/http/base-url";

/**
 * Every signed-in page: verifies the session against the database before rendering, then
 * opens the one live event stream all its components share.
 */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const principal = await requirePagePrincipal();
  return (
    <TrpcProviders>
      <RoleProvider role={principal.role}>
        <BaseUrlProvider baseUrl={requestBaseUrl(await headers())}>
          <LiveEventsProvider startAfterId={await liveStreamStartId()}>
            <AppHeader instanceName={getConfig().taskManager.name} role={principal.role} />
            <main className="mx-auto max-w-7xl p-6">{children}</main>
            <AlertToasts />
          </LiveEventsProvider>
        </BaseUrlProvider>
      </RoleProvider>
    </TrpcProviders>
  );
}
