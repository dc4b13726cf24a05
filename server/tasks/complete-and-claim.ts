import type { Database } from "@/db/client";
import type { Principal } from "@/server/auth/roles";
import { log } from "@/server/log/logger";
import { phase, phaseTasks } from "@/server/log/phase-timings";
import { type ClaimedTask, claimInTransaction } from "./claim";
import type { FencedOutcome, LeaseCaller } from "./fencing";
import { type CompleteItem, completeWithin } from "./finish";

const claimLog = log.child({ component: "complete-and-claim" });

/**
 * Completes attempts like completeTasks and, in the same transaction, claims up to `claim`
 * tasks for the completing agent (docs/architecture.md "Claim and complete"): a chain's next
 * task, released by this very completion, goes to the agent whose slot just freed up with no
 * further round trip and no wake-up. The claim is claimInTransaction's: every rule of a claim
 * (capabilities, resources, concurrency keys, fair share, reservations, quarantine, paused
 * workflows), and it never waits for a lock another transaction holds.
 *
 * The claim runs in a savepoint: should it fail, the completions still commit, and the agent's
 * next claim takes what this one did not.
 */
export async function completeAndClaim(
  db: Database,
  caller: LeaseCaller,
  items: readonly CompleteItem[],
  claim: { max: number; principal: Principal },
): Promise<{ results: FencedOutcome[]; tasks: ClaimedTask[] }> {
  const done = await db.transaction(async (tx) => {
    const results = await completeWithin(tx, caller, items);
    if (claim.max <= 0) return { results, tasks: [] };
    try {
      const tasks = await tx.transaction((savepoint) =>
        claimInTransaction(savepoint, caller.agentId, claim.max, claim.principal),
      );
      phase("tx.claim");
      return { results, tasks };
    } catch (error) {
      claimLog.warn({ err: error }, "the claim after a completion failed; the completion stands");
      return { results, tasks: [] };
    }
  });
  phase("tx.commit");
  phaseTasks(
    "claimed",
    done.tasks.map((task) => task.id),
  );
  return done;
}
