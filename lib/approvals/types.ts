import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

/** As the browser receives them: plain JSON. */
export type ApprovalItem = inferRouterOutputs<AppRouter>["approvals"]["list"]["items"][number];
export type UpstreamItem = ApprovalItem["upstream"][number];
