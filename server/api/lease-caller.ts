import type { Database } from "@/db/client";
import { assertAgentOwner } from "@/server/agents/ownership";
import type { Principal } from "@/server/auth/roles";
import type { LeaseCaller } from "@/server/tasks/fencing";

/** The caller of a lease-fenced procedure, once the token is known to act for that agent. */
export async function leaseCaller(
  db: Database,
  principal: Principal,
  agentId: string,
): Promise<LeaseCaller> {
  await assertAgentOwner(db, principal, agentId);
  return { agentId, tokenId: principal.tokenId, isAdmin: principal.role === "admin" };
}
