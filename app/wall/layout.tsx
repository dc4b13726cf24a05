import type { Metadata } from "next";
import type { ReactNode } from "react";
import { LiveEventsProvider } from "@/lib/live/live-events";
import { TrpcProviders } from "@/lib/trpc/client";
import { requirePagePrincipal } from "@/server/auth/page";
import { liveStreamStartId } from "@/server/events/page-start";

export const metadata: Metadata = { title: "Wall · Task Manager" };

/**
 * The wall screen, outside the (app) group: no header, no navigation. Any role may watch it
 * (a viewer token's sign-in link is the usual way); the session is verified here like on every
 * signed-in page, and the one live event stream opened for the panels to share.
 */
export default async function WallLayout({ children }: { children: ReactNode }) {
  await requirePagePrincipal({ next: "/wall" });
  return (
    <TrpcProviders>
      <LiveEventsProvider startAfterId={await liveStreamStartId()}>{children}</LiveEventsProvider>
    </TrpcProviders>
  );
}
