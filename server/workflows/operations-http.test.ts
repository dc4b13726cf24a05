import { beforeAll, describe, expect, it } from "vitest";
import { type Role, roles } from "@/server/auth/roles";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();
const tokens = new Map<string, string>();

beforeAll(async () => {
  for (const name of [...roles, "other orchestrator"]) {
    const role = (name === "other orchestrator" ? "orchestrator" : name) as Role;
    const { secret } = await createToken(pg.db, { name, role });
    tokens.set(name, secret);
  }
});

const call = (who: string, path: string, input: unknown, type: "query" | "mutation" = "mutation") =>
  callProcedure(pg.db, { path, type, input, token: tokens.get(who) });

async function submitAs(who: string) {
  const { data } = await call(who, "workflows.submit", {
    name: `run of ${who}`,
    tasks: [{ key: "a", name: "a", capabilities: ["nobody-has-this"] }],
  });
  return (data as { workflow: { id: string } }).workflow.id;
}

describe("whole-workflow operations over HTTP", () => {
  it.each(["cancel", "retry", "pause", "resume"])(
    "%s: an orchestrator only on its own runs, operators and admins on any, nobody else",
    async (operation) => {
      const id = await submitAs("orchestrator");
      const input = { id };
      const other = await call("other orchestrator", `workflows.${operation}`, input);
      expect(other.status).toBe(403);
      expect(other.body.error?.message).toBe(
        `an orchestrator may ${operation} only the workflows its own token submitted`,
      );
      for (const role of ["viewer", "agent"]) {
        expect((await call(role, `workflows.${operation}`, input)).status).toBe(403);
      }
      // Allowed: past the role and ownership checks (retry then refuses: nothing failed).
      for (const who of ["orchestrator", "operator", "admin"]) {
        const { status, body } = await call(who, `workflows.${operation}`, input);
        expect(status, JSON.stringify(body)).not.toBe(403);
        expect(status, JSON.stringify(body)).toBeLessThan(500);
      }
    },
  );

  it("refuses an illegal state with CONFLICT and why, and an unknown id with NOT_FOUND", async () => {
    const id = await submitAs("orchestrator");
    expect((await call("operator", "workflows.cancel", { id })).status).toBe(200);
    const paused = await call("operator", "workflows.pause", { id });
    expect(paused.status).toBe(409);
    expect(paused.body.error?.message).toBe(
      `cannot pause workflow "run of orchestrator": it has cancelled, no task is left to run`,
    );
    const retry = await call("operator", "workflows.retry", { id });
    expect(retry.status).toBe(409);
    expect(retry.body.error?.message).toContain("was cancelled and no task failed");
    const unknown = await call("operator", "workflows.cancel", {
      id: "00000000-0000-4000-8000-000000000000",
    });
    expect(unknown.status).toBe(404);
    expect((await call("operator", "workflows.cancel", { id: "nope" })).status).toBe(400);
  });

  it("writes the operations' events under the workflow's id, for the stream's filter", async () => {
    const id = await submitAs("orchestrator");
    await call("orchestrator", "workflows.pause", { id });
    await call("orchestrator", "workflows.resume", { id });
    await call("orchestrator", "workflows.cancel", { id, reason: "done with it" });
    const { data } = await call(
      "viewer",
      "events.list",
      { workflowId: id, kinds: ["workflow."] },
      "query",
    );
    const items = (data as { items: { kind: string; workflowId: string; data: unknown }[] }).items;
    expect(items.map((event) => event.kind)).toEqual([
      "workflow.submitted",
      "workflow.paused",
      "workflow.resumed",
      "workflow.cancelled",
    ]);
    expect(items.every((event) => event.workflowId === id)).toBe(true);
    expect(items.at(-1)?.data).toMatchObject({ reason: "done with it", cancelled: 1 });
  });
});
