import type { Database } from "@/db/client";
import { getConfig } from "@/server/config";
import { syncResourcesFromConfig } from "@/server/resources/sync";
import { syncSchedulesFromConfig } from "@/server/schedules/config-sync";

/**
 * Work each instance does once at start, before its scheduler and listener start, in order.
 * Every instance runs them, so each hook must be idempotent and safe to run concurrently with
 * another instance's. A hook that throws fails the start: the server should not serve with,
 * say, half-synced pools.
 */
export const onStartup: Array<(db: Database) => Promise<void>> = [
  // The configured pools and agent-scoped resources exist before the first claim.
  async (db) => {
    await syncResourcesFromConfig(db, getConfig().resources);
  },
  // After the pools: a configured schedule's spec may require one of them.
  async (db) => {
    await syncSchedulesFromConfig(db, getConfig().schedules);
  },
];
