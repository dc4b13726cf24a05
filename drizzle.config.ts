import { defineConfig } from "drizzle-kit";

// Only `generate` is used: migrations are committed SQL, applied by db/migrate.ts at start-up.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
