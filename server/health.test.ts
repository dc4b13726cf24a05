import { createServer } from "node:net";
import { expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import { checkHealth } from "@/server/health";
import { setupTestDatabase } from "@/test/db";

const pg = setupTestDatabase();

it("reports the database reachable, with its version", async () => {
  const [{ server_version }] = await pg.sql<[{ server_version: string }]>`show server_version`;
  const report = await checkHealth(pg.db);
  expect(report).toMatchObject({
    status: "ok",
    database: { reachable: true, version: server_version },
  });
});

it("reports an unreachable database as degraded instead of throwing", async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
  const { sql, db } = createDatabase(`postgres://nobody:x@127.0.0.1:${port}/none`, { max: 1 });
  try {
    const report = await checkHealth(db);
    expect(report).toMatchObject({ status: "degraded", database: { reachable: false } });
  } finally {
    await sql.end();
  }
});
