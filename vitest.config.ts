import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      // The same `@/` as tsconfig's paths.
      { find: /^@\//, replacement: `${root}/` },
      // The real package throws outside a react-server bundle; see the stub.
      { find: /^server-only$/, replacement: path.join(root, "test/server-only-stub.ts") },
    ],
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".next/**", "e2e/**", ".data/**", ".test-data/**"],
    globalSetup: ["test/global-setup.ts"],
    // A focused test silently turns the suite into one test: fail the run, locally too.
    allowOnly: false,
    // Separate processes: tests start servers and child processes, and a crash in one file
    // must not take the others down.
    pool: "forks",
    testTimeout: 30_000,
    // Cloning a database, or starting PostgreSQL in a test, can take a few seconds.
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
    env: { NEXT_TELEMETRY_DISABLED: "1" },
  },
});
