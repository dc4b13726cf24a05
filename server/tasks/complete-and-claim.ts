import type { Database } from "@/db/client";
import type { DeferredLiveness } from "@/server/auth/deferred-liveness";
import type { Principal } from "@/server/auth/roles";
import { notifyQueue } from "@/server/events/record";
import { log } from "@/server/log/logger";
import { phase, phaseTasks } from "@/server/log/phase-timings";
import { type ClaimedTask, claimInTransaction } from "./claim";
import { claimReleased } from "./claim-released";
import { completeInOneTrip } from "./complete-in-one-trip";
import type { FencedOutcome, LeaseCaller } from "./fencing";
import { type CompleteItem, completeWithin } from "./finish";

const claimLog = log.child({ component: "complete-and-claim" });

/** `TM_ONE_TRIP_COMPLETION=0`: every completion in a transaction that waits per statement (A/B). */
const oneTrip = () => process.env.TM_ONE_TRIP_COMPLETION !== "0";

/** claimReleased failed: its statement ran outside a savepoint, so the transaction is lost. */
class ReleasedClaimFailed extends Error {
  constructor(cause: unknown) {
    super("the claim of released tasks failed", { cause });
  }
}

/**
 * Completes attempts like completeTasks and claims up to `claim` tasks for the completing
 * agent (docs/architecture.md "Claim and complete"): a chain's next task, released by this very
 * completion, goes to the agent whose slot just freed up with no further round trip and no
 * wake-up. The claim follows every rule of a claim (capabilities, resources, concurrency keys,
 * fair share, reservations, quarantine, paused workflows), and never waits for a lock another
 * transaction holds.
 *
 * First in one round trip (complete-in-one-trip.ts): the completions, and the claim of their
 * releases when those are the whole queue (the hop of a chain). What that leaves (items it did
 * not complete, the general claim) runs as below, in a transaction that waits per statement.
 *
 * There, when this completion's releases are the whole queue, claimReleased takes them in one
 * statement, as the general claim would; else the general claim runs in a savepoint: should it
 * fail, the completions still commit, and the agent's next claim takes what this one did not.
 * The one-statement claim runs without one (a round trip less); should it fail, the
 * transaction is made again without a claim.
 */
export async function completeAndClaim(
  db: Database,
  caller: LeaseCaller,
  items: readonly CompleteItem[],
  claim: { max: number; principal: Principal },
  options: {
    /** Check here that `claim.principal` owns the agent (completeWithin's `owner`). */
    checkOwner?: boolean;
    /**
     * The request's principal is a remembered one (server/auth/deferred-liveness.ts): the
     * round trip's completion checks the token itself; any other path looks it up first,
     * unless the round trip completed something, which showed the token live.
     */
    liveness?: DeferredLiveness;
  } = {},
): Promise<{ results: FencedOutcome[]; tasks: ClaimedTask[] }> {
  const owner = options.checkOwner ? claim.principal : undefined;
  const { liveness } = options;
  phase("tx.begin");
  const fast = oneTrip()
    ? await completeInOneTrip(db, caller, items, claim, owner, liveness?.tokenId)
    : undefined;
  if (fast === undefined) {
    await liveness?.verify();
    return completeAndClaimInTransaction(db, caller, items, claim, owner);
  }
  if ("claimFailed" in fast) {
    claimLog.warn(
      { err: fast.claimFailed },
      "the claim after a completion failed; the completion is made again without it",
    );
    await liveness?.verify();
    return completeAndClaimInTransaction(db, caller, items, { ...claim, max: 0 }, owner);
  }
  phaseTasks("completed", [...fast.completed]);
  // What the round trip left: items it did not complete, and the general claim.
  const left = items.filter((item) => !fast.completed.has(item.taskId));
  // It completed nothing: a token that may no longer act would be one reason.
  if (fast.completed.size === 0) await liveness?.verify();
  const max = fast.tasks.length > 0 ? 0 : claim.max;
  const rest =
    left.length > 0
      ? await completeAndClaimInTransaction(db, caller, left, { ...claim, max }, owner)
      : { results: [], tasks: max > 0 ? await claimAfterwards(db, caller, { ...claim, max }) : [] };
  phase("tx.commit");
  phaseTasks(
    "claimed",
    fast.tasks.map((task) => task.id),
  );
  const refused = new Map(rest.results.map((outcome) => [outcome.taskId, outcome]));
  return {
    results: items.map((item) => refused.get(item.taskId) ?? { taskId: item.taskId, ok: true }),
    tasks: [...fast.tasks, ...rest.tasks],
  };
}

/** The general claim, when the completion committed without one: it must not undo it. */
async function claimAfterwards(
  db: Database,
  caller: LeaseCaller,
  claim: { max: number; principal: Principal },
): Promise<ClaimedTask[]> {
  try {
    return await db.transaction((tx) =>
      claimInTransaction(tx, caller.agentId, claim.max, claim.principal),
    );
  } catch (error) {
    claimLog.warn({ err: error }, "the claim after a completion failed; the completion stands");
    return [];
  }
}

/** completeAndClaim in one transaction that waits for each statement (completeWithin's). */
async function completeAndClaimInTransaction(
  db: Database,
  caller: LeaseCaller,
  items: readonly CompleteItem[],
  claim: { max: number; principal: Principal },
  owner: Principal | undefined,
): Promise<{ results: FencedOutcome[]; tasks: ClaimedTask[] }> {
  const done = await db
    .transaction(async (tx) => {
      if (claim.max <= 0)
        return {
          results: (await completeWithin(tx, caller, items, "now", owner)).results,
          tasks: [],
        };
      const { results, settled } = await completeWithin(tx, caller, items, "defer", owner);
      // Outside a savepoint, sparing its round trip; should it fail, the whole transaction is
      // done again below without a claim, so the completions still commit.
      let tasks = await claimReleased(
        tx,
        caller.agentId,
        settled.readied,
        claim.max,
        claim.principal,
      ).catch((error: unknown) => {
        throw new ReleasedClaimFailed(error);
      });
      if (!tasks) {
        try {
          tasks = await tx.transaction((savepoint) =>
            claimInTransaction(savepoint, caller.agentId, claim.max, claim.principal),
          );
        } catch (error) {
          claimLog.warn(
            { err: error },
            "the claim after a completion failed; the completion stands",
          );
          tasks = [];
        }
      }
      phase("tx.claim");
      // Waiting claimers are woken only for what this claim left: a chain's next task, taken
      // here, would wake every long-poll of every instance for nothing.
      const taken = new Set(tasks.map((task) => task.id));
      if (settled.freed || settled.readied.some((id) => !taken.has(id))) await notifyQueue(tx);
      return { results, tasks };
    })
    .catch((error: unknown) => {
      if (!(error instanceof ReleasedClaimFailed)) throw error;
      claimLog.warn(
        { err: error.cause },
        "the claim after a completion failed; the completion is made again without it",
      );
      return completeAndClaimInTransaction(db, caller, items, { ...claim, max: 0 }, owner);
    });
  phase("tx.commit");
  phaseTasks(
    "claimed",
    done.tasks.map((task) => task.id),
  );
  return done;
}
