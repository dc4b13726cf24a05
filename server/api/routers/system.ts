import packageJson from "@/package.json" with { type: "json" };
import { getConfig } from "@/server/config";
import { createTRPCRouter, viewerProcedure } from "../trpc";

export const systemRouter = createTRPCRouter({
  /** The instance as configured: what a dashboard shows in its title bar. */
  info: viewerProcedure.query(() => {
    const { id, name, capabilities } = getConfig().taskManager;
    return { id, name, capabilities, version: packageJson.version };
  }),
});
