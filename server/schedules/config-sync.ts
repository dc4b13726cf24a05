import { inArray, or, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { schedules } from "@/db/schema/schedules";
import { ConfigError, DEFAULT_CONFIG_FILE, type SchedulesConfig } from "@/server/config";
import { DomainError } from "@/server/errors";
import { type ScheduleParams, scheduleInput } from "./inputs";
import { createSchedule, recordScheduleChange, saveScheduleInTx } from "./manage";
import { scheduleParamsOf } from "./rows";

const fileLabel = () => process.env.TM_CONFIG || DEFAULT_CONFIG_FILE;

function entryError(name: string, path: readonly PropertyKey[], problem: string): ConfigError {
  const key = ["schedules", name, ...path.map(String)].join(".");
  return new ConfigError(`${fileLabel()}: ${key}: ${problem}`, { key });
}

/** Every entry validated as `schedules.create` would; the first bad one names its key. */
export function parseConfiguredSchedules(config: SchedulesConfig): ScheduleParams[] {
  return Object.entries(config).map(([name, entry]) => {
    const result = scheduleInput.safeParse({ name, ...withoutUndefined(entry) });
    if (!result.success) {
      const issue = result.error.issues[0];
      throw entryError(name, issue?.path ?? [], issue?.message ?? "invalid");
    }
    return result.data;
  });
}

function withoutUndefined(entry: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
}

/**
 * Makes the schedules table agree with the file's `schedules:`: entries are created, or updated
 * where they differ, and schedules that came from the file and have left it are deleted.
 * Schedules made over the API are left alone (an entry of the same name takes one over).
 * Every instance runs this at start: an advisory lock makes concurrent starts take turns.
 */
export async function syncSchedulesFromConfig(
  db: Database,
  config: SchedulesConfig,
): Promise<{ created: string[]; updated: string[]; deleted: string[] }> {
  const wanted = parseConfiguredSchedules(config);
  const names = wanted.map((params) => params.name);
  const outcome = { created: [] as string[], updated: [] as string[], deleted: [] as string[] };
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('tm_schedules_config_sync'))`);
    const existing = await tx
      .select()
      .from(schedules)
      .where(
        names.length > 0
          ? or(sql`${schedules.source} = 'config'`, inArray(schedules.name, names))
          : sql`${schedules.source} = 'config'`,
      )
      .for("update");
    const byName = new Map(existing.map((row) => [row.name, row]));
    for (const params of wanted) {
      const row = byName.get(params.name);
      try {
        if (!row) {
          await createSchedule(tx, params, { tokenId: null, role: "admin" }, "config");
          outcome.created.push(params.name);
        } else if (row.source !== "config" || !sameDefinition(row, params)) {
          await saveScheduleInTx(tx, row, params, "config");
          outcome.updated.push(params.name);
        }
      } catch (error) {
        // A spec the engine refuses (a resource that does not exist): the file is wrong.
        if (error instanceof DomainError) throw entryError(params.name, [], error.message);
        throw error;
      }
    }
    const gone = existing.filter((row) => row.source === "config" && !names.includes(row.name));
    if (gone.length > 0) {
      await tx.delete(schedules).where(
        inArray(
          schedules.id,
          gone.map((row) => row.id),
        ),
      );
      outcome.deleted.push(...gone.map((row) => row.name));
      for (const row of gone) await recordScheduleChange(tx, row, "deleted");
    }
  });
  return outcome;
}

function sameDefinition(row: typeof schedules.$inferSelect, params: ScheduleParams): boolean {
  const stored = scheduleInput.safeParse(scheduleParamsOf(row));
  return stored.success && stableJson(stored.data) === stableJson(params);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (key, v) => {
    // The file may write 2030-01-01T00:00:00Z where the table gives back …00.000Z.
    if ((key === "startAt" || key === "endAt") && typeof v === "string") return Date.parse(v);
    return v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v;
  });
}
