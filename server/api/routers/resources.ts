import { z } from "zod";
import { getConfig } from "@/server/config";
import { listResources } from "@/server/resources/list";
import { RESOURCE_NAME } from "@/server/resources/name";
import { schedulingState } from "@/server/resources/scheduling";
import { upsertResource } from "@/server/resources/upsert";
import { pgText, resourceAmount } from "@/server/validation";
import { createTRPCRouter, operatorProcedure, viewerProcedure } from "../trpc";

export const resourcesRouter = createTRPCRouter({
  /** Every resource with its usage and who holds it. */
  list: viewerProcedure.query(({ ctx }) => listResources(ctx.db)),

  /** Pools' reservations and concurrency keys' running slots, as claims see them now. */
  scheduling: viewerProcedure.query(({ ctx }) =>
    schedulingState(ctx.db, getConfig().taskManager.scheduling.reserveAfterS),
  ),

  /** Creates or changes a pool or an agent-scoped resource. */
  upsert: operatorProcedure
    .input(
      z.object({
        name: z.string().regex(RESOURCE_NAME, "lowercase letters, digits and _").max(100),
        scope: z.enum(["pool", "agent"]),
        capacity: resourceAmount().positive().nullish(),
        description: pgText().max(1000).nullish(),
      }),
    )
    .mutation(({ ctx, input }) => upsertResource(ctx.db, input)),
});
