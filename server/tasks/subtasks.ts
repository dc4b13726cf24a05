import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import type { Principal } from "@/server/auth/roles";
import { DomainError } from "@/server/errors";

/**
 * Agents submit work only as subtasks of a task one of their own agents is running: an agent
 * token is not an orchestrator, and an unrelated submission from one would be unattributable.
 */
export async function assertSubtaskParent(
  db: Executor,
  principal: Principal,
  parentTaskId: string | undefined,
) {
  if (!parentTaskId) {
    throw new DomainError("FORBIDDEN", "agents may submit only subtasks: parentTaskId is required");
  }
  const [row] = await queryRows(
    db,
    "parent task running on the token",
    z.object({ ok: z.boolean() }),
    sql`
    select true as ok from tasks t join agents a on a.id = t.agent_id
    where t.id = ${parentTaskId} and t.state = 'running' and a.token_id = ${principal.tokenId}`,
  );
  if (!row) {
    throw new DomainError(
      "FORBIDDEN",
      `parentTaskId: task ${parentTaskId} is not running on one of this token's agents`,
    );
  }
}
