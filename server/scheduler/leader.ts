import { sql } from "drizzle-orm";
import postgres from "postgres";
import { z } from "zod";
import { type Executor, reconnectBackoffS } from "@/db/client";
import { queryRows } from "@/db/rows";
import { log } from "@/server/log/logger";

/**
 * The session-level advisory lock whose holder runs the sweeps: "tm_sched" in ASCII. Advisory
 * locks are per database, so instances on different databases never compete.
 */
export const SCHEDULER_LOCK_KEY = 0x746d5f7363686564n;
// pg_locks shows a bigint advisory key as two oids and objsubid 1.
const LOCK_CLASSID = Number(SCHEDULER_LOCK_KEY >> 32n);
const LOCK_OBJID = Number(SCHEDULER_LOCK_KEY & 0xffffffffn);

const leaderLog = log.child({ component: "scheduler" });

/** The lock connection's application_name is this plus the instance id. */
export const SCHEDULER_APPLICATION_PREFIX = "task-manager-scheduler:";

/**
 * application_name is cut at 63 bytes and non-ASCII is replaced, which would make the leader
 * report name another instance; ids are checked instead.
 */
export const INSTANCE_ID_PATTERN = /^[\x20-\x7e]{1,40}$/;

export interface LeaderInfo {
  instanceId: string;
  /** When the leader's lock connection was opened: a connection is opened per attempt. */
  since: Date;
}

/**
 * Who leads, as seen from any connection to the database: the holder of the advisory lock,
 * named by its connection's application_name. Needs the same database role as the instances
 * (or pg_read_all_stats): pg_stat_activity hides other roles' backend_start.
 */
export async function getSchedulerLeader(db: Executor): Promise<LeaderInfo | null> {
  const rows = await queryRows(
    db,
    "scheduler leader",
    z.object({ application_name: z.string(), since: z.union([z.string(), z.date()]) }),
    sql`
    select a.application_name, a.backend_start as since
    from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory'
      and l.granted
      and l.database = (select oid from pg_database where datname = current_database())
      and l.classid::bigint = ${LOCK_CLASSID}
      and l.objid::bigint = ${LOCK_OBJID}
      and l.objsubid = 1`,
  );
  const row = rows[0];
  if (!row?.application_name.startsWith(SCHEDULER_APPLICATION_PREFIX)) return null;
  return {
    instanceId: row.application_name.slice(SCHEDULER_APPLICATION_PREFIX.length),
    since: new Date(row.since),
  };
}

export interface LeadershipOptions {
  url: string;
  instanceId: string;
  /** Called once per term when the lock is lost without release() (connection died). */
  onLost(reason: string): void;
}

/** This instance's claim on the scheduler lock. */
export interface Leadership {
  readonly held: boolean;
  /** One attempt, on a fresh connection that is kept only if it gets the lock. */
  tryAcquire(): Promise<boolean>;
  /**
   * Checks that the lock is still held by our connection. A dead connection, or one that
   * postgres.js silently replaced, counts as lost (onLost is called).
   */
  confirm(): Promise<boolean>;
  /** Unlocks and closes the connection. Idempotent. */
  release(): Promise<void>;
}

export function createLeadership(options: LeadershipOptions): Leadership {
  if (!INSTANCE_ID_PATTERN.test(options.instanceId)) {
    throw new Error(
      `scheduler instance id must be 1 to 40 printable ASCII characters: ${JSON.stringify(options.instanceId)}`,
    );
  }
  let connection: postgres.Sql | null = null;

  const lose = (reason: string) => {
    const lost = connection;
    if (!lost) return;
    connection = null;
    // PostgreSQL has released the lock with the session, or will when the socket closes.
    lost.end({ timeout: 0 }).catch((error: unknown) => {
      leaderLog.warn({ err: error }, "closing the lost leader connection failed");
    });
    options.onLost(reason);
  };

  const open = () => {
    const candidate: postgres.Sql = postgres(options.url, {
      max: 1,
      // The lock lives exactly as long as this connection: no idle or lifetime recycling.
      idle_timeout: 0,
      max_lifetime: null,
      onnotice: () => {},
      backoff: reconnectBackoffS,
      connect_timeout: 2,
      connection: { application_name: `${SCHEDULER_APPLICATION_PREFIX}${options.instanceId}` },
      onclose: () => {
        if (connection === candidate) lose("the leader connection closed");
      },
    });
    return candidate;
  };

  return {
    get held() {
      return connection !== null;
    },
    async tryAcquire() {
      if (connection) return true;
      // A fresh connection per attempt, so backend_start tells when leadership began.
      const candidate = open();
      let acquired = false;
      try {
        const [row] = await candidate<{ acquired: boolean }[]>`
          select pg_try_advisory_lock(${SCHEDULER_LOCK_KEY.toString()}::bigint) as acquired`;
        acquired = row?.acquired === true;
      } finally {
        if (acquired) connection = candidate;
        else await candidate.end({ timeout: 1 });
      }
      return acquired;
    },
    async confirm() {
      const current = connection;
      if (!current) return false;
      let held = false;
      try {
        const [row] = await current<{ held: boolean }[]>`
          select exists (
            select 1 from pg_locks
            where locktype = 'advisory' and granted and pid = pg_backend_pid()
              and classid::bigint = ${LOCK_CLASSID} and objid::bigint = ${LOCK_OBJID}
              and objsubid = 1
          ) as held`;
        held = row?.held === true;
      } catch (error) {
        // The loss is logged by onLost; this says why.
        leaderLog.warn({ err: error }, "checking leadership failed");
      }
      if (!held && connection === current) lose("the lock is no longer held");
      return held;
    },
    async release() {
      const current = connection;
      if (!current) return;
      connection = null;
      try {
        await current`select pg_advisory_unlock(${SCHEDULER_LOCK_KEY.toString()}::bigint)`;
      } catch (error) {
        // Closing the connection below releases the lock anyway; say why it was not explicit.
        leaderLog.warn({ err: error }, "unlocking failed; closing the connection releases it");
      } finally {
        await current.end({ timeout: 5 });
      }
    },
  };
}
