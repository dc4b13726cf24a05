import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import { getConfig } from "@/server/config";
import { watchAccess } from "@/server/events/access-watch";
import { eventFeedFor } from "@/server/events/stream";
import { appendLogs } from "@/server/logs/append";
import { followLog } from "@/server/logs/follow";
import { logLines } from "@/server/logs/line-check";
import { readLogs, readLogsInput } from "@/server/logs/read";
import { int4 } from "@/server/validation";
import { leaseCaller } from "../lease-caller";
import { agentProcedure, viewerProcedure } from "../trpc";

const leaseEpoch = int4().min(1);
// Lines are checked by hand (line-check.ts): zod per line cost a fifth of ingest's CPU.
const lines = logLines();
const logItem = z.strictObject({ taskId: z.uuid(), leaseEpoch, lines });

/** The log procedures of `tasks`, spread into that router like taskQueryProcedures. */
export const taskLogProcedures = {
  /** Appends lines to the attempt the caller holds; a stale lease is refused, nothing written. */
  log: agentProcedure
    .input(z.strictObject({ agentId: z.uuid(), taskId: z.uuid(), leaseEpoch, lines }))
    .mutation(async ({ ctx, input }) => {
      const caller = await leaseCaller(ctx.db, ctx.principal, input.agentId);
      const db = ctx.logDb ?? ctx.db;
      const [outcome] = await appendLogs(db, caller, [input], getConfig().taskManager.logs);
      if (outcome && !outcome.ok) {
        throw new TRPCError({ code: outcome.code, message: outcome.message });
      }
      return { ok: true as const, accepted: outcome?.accepted ?? 0 };
    }),

  /** Lines for many tasks in one round trip, each item fenced on its own (like completeMany). */
  logMany: agentProcedure
    .input(z.strictObject({ agentId: z.uuid(), items: z.array(logItem).min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const caller = await leaseCaller(ctx.db, ctx.principal, input.agentId);
      const db = ctx.logDb ?? ctx.db;
      return { results: await appendLogs(db, caller, input.items, getConfig().taskManager.logs) };
    }),

  /** A page of a task's log in sequence order, filtered by attempt, level and text. */
  logs: viewerProcedure.input(readLogsInput).query(({ ctx, input }) => readLogs(ctx.db, input)),

  /**
   * Server-sent events following one task's log: each message is `{ lines: [...] }`, tracked
   * by the last line's sequence number, so a reconnect (Last-Event-ID) resumes without a gap
   * or a repeat. `lastEventId` omitted: from the log's end now. Only this task's followers
   * hear of its lines.
   */
  followLog: viewerProcedure
    .input(
      z.strictObject({
        taskId: z.uuid(),
        lastEventId: z
          .string()
          .regex(/^\d{1,15}$/, "a sequence number")
          .nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const { hub } = eventFeedFor(ctx.db);
      // Like events.stream: the stream ends when its token is revoked or expires.
      const access = watchAccess({ db: ctx.db, hub, tokenId: ctx.principal.tokenId, signal });
      try {
        const follow = followLog({
          db: ctx.db,
          hub,
          taskId: input.taskId,
          afterSeq: input.lastEventId == null ? null : Number(input.lastEventId),
          signal: access.signal,
        });
        for await (const page of follow) {
          const last = page.at(-1);
          if (last) yield tracked(String(last.seq), { lines: page });
        }
      } finally {
        access.stop();
      }
      if (access.revoked()) {
        throw new TRPCError({
          code: "UNAUTHORIZED",
          message: "the token was revoked or has expired",
        });
      }
      if (!signal?.aborted) {
        throw new TRPCError({
          code: "SERVICE_UNAVAILABLE",
          message: "the log stream closed; reconnect with the last event id",
        });
      }
    }),
};
