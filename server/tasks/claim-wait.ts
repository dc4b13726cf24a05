import type { Database } from "@/db/client";
import type { Principal } from "@/server/auth/roles";
import type { EventHub } from "@/server/events/hub";
import { type ClaimedTask, claimTasks } from "./claim";

/**
 * Claims, and if nothing is claimable waits up to `waitMs` for a queue notification, then tries
 * again (ARCHITECTURE.md "Timing": long-polls are woken by NOTIFY, not by polling).
 *
 * The wait is armed before each attempt: a task queued between an empty claim and the start of
 * the wait still wakes it. Wake-ups are hints, so the loop claims again until the deadline.
 */
export async function claimWithWait(
  db: Database,
  /** Called only when a wait is needed: a claim with waitMs 0 opens no listener. */
  hub: () => EventHub,
  params: {
    agentId: string;
    max: number;
    waitMs: number;
    signal?: AbortSignal;
    /** The caller, which must own the agent (checked inside each claim). */
    principal?: Principal;
  },
): Promise<ClaimedTask[]> {
  const deadline = Date.now() + params.waitMs;
  for (;;) {
    const remaining = deadline - Date.now();
    const armed = new AbortController();
    const onAbort = () => armed.abort();
    params.signal?.addEventListener("abort", onAbort, { once: true });
    const woken = remaining > 0 ? hub().waitForQueue(remaining, armed.signal) : null;
    try {
      const claimed = await claimTasks(db, params.agentId, params.max, params.principal);
      if (claimed.length > 0 || !woken) return claimed;
      const result = await woken;
      if (result !== "notified") return [];
    } finally {
      armed.abort();
      params.signal?.removeEventListener("abort", onAbort);
    }
  }
}
