import { defineConfig, devices } from "@playwright/test";
import { E2E_ADMIN_TOKEN } from "./e2e/fixtures/admin-token";
import { CHROMIUM_LAUNCH_OPTIONS } from "./e2e/fixtures/chromium";

// E2E_PORT lets two checkouts run their suites side by side (each with its own .test-data).
const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${PORT}`;
const DATA_DIR = ".test-data/e2e";

export default defineConfig({
  testDir: "e2e",
  forbidOnly: true,
  retries: 0,
  // One server, one database: specs share it, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: CHROMIUM_LAUNCH_OPTIONS,
      },
    },
  ],
  webServer: {
    // The real start command, on a database wiped first so every run begins from nothing.
    // (Wiped here, not in globalSetup: Playwright starts the web server before that runs.)
    command: `node_modules/.bin/tsx e2e/reset-data-dir.ts ${DATA_DIR} && node_modules/.bin/tsx scripts/start.ts`,
    url: `${baseURL}/api/health`,
    env: {
      TM_DATA_DIR: DATA_DIR,
      HOST: "127.0.0.1",
      PORT: String(PORT),
      TM_BOOTSTRAP_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      // Empty counts as unset for the launcher (Playwright merges env, it cannot delete).
      DATABASE_URL: "",
    },
    // A first start runs `next build`.
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    // Let the launcher stop Next, then PostgreSQL, instead of SIGKILLing its process group
    // (which would miss both: they run in their own process groups).
    gracefulShutdown: { signal: "SIGTERM", timeout: 60_000 },
  },
});
