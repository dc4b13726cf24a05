import type { ReactNode } from "react";
import { AppHeader } from "@/components/shell/app-header";
import { TrpcProviders } from "@/lib/trpc/client";
import { requirePagePrincipal } from "@/server/auth/page";
import { getConfig } from "@/server/config";

/** Every signed-in page: verifies the session against the database before rendering. */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const principal = await requirePagePrincipal();
  return (
    <TrpcProviders>
      <AppHeader instanceName={getConfig().taskManager.name} role={principal.role} />
      <main className="mx-auto max-w-7xl p-6">{children}</main>
    </TrpcProviders>
  );
}
