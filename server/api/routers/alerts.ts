import { z } from "zod";
import { getConfig } from "@/server/config";
import { ALERT_RULES, acknowledgeAlert, listAlerts, resolveAlert } from "@/server/monitor/alerts";
import { createTRPCRouter, operatorProcedure, viewerProcedure } from "../trpc";

const alertId = z.object({ id: z.number().int().positive() });

// Notifications are queued only when a webhook is configured; otherwise none would be sent.
const webhookOptions = () => ({ webhook: getConfig().taskManager.alertWebhook !== null });

export const alertsRouter = createTRPCRouter({
  /** Alerts, newest first; `nextCursor` fetches the next page. */
  list: viewerProcedure
    .input(
      z
        .object({
          state: z.enum(["firing", "resolved"]).optional(),
          rule: z.enum(ALERT_RULES).optional(),
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) => listAlerts(ctx.db, input)),

  /** "Seen, on it": the alert stays firing but sends no further notifications. */
  acknowledge: operatorProcedure
    .input(alertId)
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx.db, input.id, ctx.principal.tokenId)),

  /**
   * Resolves the alert now. No new alert opens for the same rule and subject until its
   * condition has cleared.
   */
  resolve: operatorProcedure
    .input(alertId)
    .mutation(({ ctx, input }) =>
      resolveAlert(ctx.db, input.id, ctx.principal.tokenId, webhookOptions()),
    ),
});
