import { type SQL, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { oneTripTransaction } from "@/db/one-trip-transaction";
import type { Principal } from "@/server/auth/roles";
import type { ClaimedTask } from "./claim";
import { claimedRows, claimReleasedQuery } from "./claim-released";
import { completedHere, completeQuery, endedRows, releaseQuery } from "./complete-statement";
import type { LeaseCaller } from "./fencing";
import type { CompleteItem } from "./finish";

export type OneTripCompletion =
  | {
      /** The items it completed. */
      completed: ReadonlySet<string>;
      /** The released tasks it claimed for the agent (none: it claimed nothing). */
      tasks: ClaimedTask[];
    }
  /** The claim's statement failed (`claimFailed`, its error), so nothing was committed. */
  | { claimFailed: unknown };

/**
 * The hop of a pipeline in one round trip to PostgreSQL (docs/architecture.md "Claim and
 * complete"): BEGIN, the completion and its releases (complete-statement.ts), the claim of
 * those releases (claim-released.ts) and COMMIT, written together (db/one-trip-transaction.ts).
 * The claim finds what the completion readied in SQL: the queued dependents of the tasks this
 * transaction completed (finished_at and queued_at are both its now()).
 *
 * It leaves to completeAndClaim's transaction what needs the client between statements:
 * items it did not complete (a stale lease, another agent's, or an attempt holding resources,
 * which it does not touch) and the general claim when the releases alone could not be claimed.
 * That claim then runs in a transaction of its own, after this one committed: as a claim call
 * right after the completion would, and the released tasks left were announced at commit.
 *
 * Returns undefined when the database cannot run it (not a postgres.js pool, or statements run
 * unprepared): the caller does it all in its transaction.
 */
export async function completeInOneTrip(
  db: Database,
  caller: LeaseCaller,
  items: readonly CompleteItem[],
  claim: { max: number; principal: Principal },
  owner?: Principal,
  /** Complete only while this token may act (complete-statement.ts `liveToken`). */
  liveToken?: string,
): Promise<OneTripCompletion | undefined> {
  const claiming = claim.max > 0;
  const statements = [
    completeQuery(caller, items, {
      owner,
      wake: { freed: true },
      skipResourceHolders: true,
      liveToken,
    }),
    // With a claim, released tasks it leaves are announced by the claim's statement.
    releaseQuery(caller.agentId, items, { wake: !claiming }),
  ];
  if (claiming)
    statements.push(
      claimReleasedQuery(
        caller.agentId,
        readiedBy(caller.agentId, items),
        claim.max,
        claim.principal,
        { wakeIfLeft: true },
      ),
    );
  const outcome = await oneTripTransaction(db, statements);
  if (!outcome) return undefined;
  const [completion, release, claimed] = outcome.results;
  for (const result of [completion, release])
    if (result?.status === "rejected") throw result.reason;
  if (!outcome.committed || completion?.status !== "fulfilled")
    return { claimFailed: claimed?.status === "rejected" ? claimed.reason : undefined };
  return {
    completed: new Set(endedRows(completion.value).map((row) => row.id)),
    tasks: claimed?.status === "fulfilled" ? claimedRows(claimed.value) : [],
  };
}

/**
 * The tasks this transaction's completion of `items` made queued, as a query of `id`s.
 *
 * From the tasks queued by this transaction (none, or a chain's next task) to their edges, not
 * from the completed tasks to theirs: walked that way, each of a batch's completions looked up
 * task_dependencies, 500 index probes to find no dependent in a drain of independent tasks,
 * and the planner takes that way once the edges of a history outnumber the queue (`bench
 * --only history --profile`). Materialized, so it cannot turn the walk around.
 */
export function readiedBy(agentId: string, items: readonly CompleteItem[]): SQL {
  return sql`with queued_now as materialized (
      select id from tasks where state = 'queued' and queued_at = now()
    )
    select q.id from queued_now q
    where exists (select 1 from task_dependencies d
      where d.task_id = q.id and d.depends_on_id in (${completedHere(agentId, items)}))`;
}
