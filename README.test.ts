import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { startTestServer, type TestServer } from "@/test/server";

/**
 * The README's curl walkthroughs, run as written by real `bash`, `curl` and `jq` against a real
 * server: if the documented wire format drifts from the server's, this fails. Each section
 * between `<!-- wire-format…:start` and `…:end -->` markers is the ```sh blocks it holds,
 * concatenated into one script (so its variables carry from block to block) under
 * `set -euo pipefail`. Sections run in the README's order, each in its own bash that starts
 * with the variables the sections before it set (the later ones use the walkthrough's tokens
 * and agent), as a reader's shell would.
 *
 * The README stays what a reader copies; the test adds only a prelude: its own `TM_URL` and
 * `ADMIN_TOKEN` (the README's assignments of them, placeholders, are left out) and a `curl`
 * function that fails the script on any status other than 200 and lists each call on stderr.
 */

const README = path.resolve(import.meta.dirname, "README.md");
const WALKTHROUGH = "wire-format";
/** Set by the test; the reader sets them to their own server and admin token. */
const GIVEN = ["TM_URL", "ADMIN_TOKEN"] as const;
const CALL = "README-CALL";

const pg = setupTestDatabase();
let server: TestServer;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "readme-test-"));
  server = await startTestServer({ databaseUrl: pg.url });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 120_000);

/** Every marked section's ```sh blocks, by marker name. */
function readmeSections(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  for (const match of markdown.matchAll(/<!-- (wire-format[\w-]*):start[^\n]*-->/g)) {
    const name = match[1] ?? "";
    const end = markdown.indexOf(`<!-- ${name}:end -->`, match.index);
    if (end < 0) throw new Error(`README.md: ${name}:start has no ${name}:end`);
    const text = markdown.slice(match.index, end);
    sections.set(
      name,
      [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((block) => block[1] ?? ""),
    );
  }
  return sections;
}

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

function prelude(vars: Record<(typeof GIVEN)[number], string>) {
  return [
    "set -euo pipefail",
    `trap 'echo "line $LINENO failed: $BASH_COMMAND" >&2' ERR`,
    ...GIVEN.map((name) => `${name}=${quote(vars[name])}`),
    // A 4xx/5xx fails the call (and, by set -e and pipefail, the script), its body still shown
    // (--fail-with-body: curl 7.76 or later).
    // The write-out ends the body with a newline (so echoes start their own line) and names the
    // call on stderr for the checks below.
    "curl() {",
    `  command curl --fail-with-body --write-out '\\n%{stderr}${CALL} %{method} %{url_effective} %{http_code}\\n' "$@"`,
    "}",
  ].join("\n");
}

/** A section's blocks as the reader runs them, the test's own variables left as set. */
function sectionScript(blocks: string[]) {
  const given = new RegExp(`^(${GIVEN.join("|")})=.*$`, "gm");
  return blocks.map((block) => block.replace(given, ": # $1: set by README.test.ts")).join("\n");
}

/** The variables the README's blocks assign: what a reader's shell carries between sections. */
function assignedNames(sections: Map<string, string[]>) {
  const names = new Set<string>();
  for (const blocks of sections.values()) {
    for (const block of blocks) {
      for (const match of block.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)) names.add(match[1] ?? "");
    }
  }
  return [...names];
}

function run(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      [file],
      {
        // Only what bash, curl and jq need: nothing of the test's own environment leaks in.
        env: { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH, HOME: workDir },
        timeout: 240_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The reader's shell after the sections run so far, as bash assignments. */
let carried: string | undefined;

/**
 * Runs one section in its own bash, starting from the variables the sections before it left
 * (the walkthrough runs first if it has not), as a reader goes through the README in order.
 */
async function runSection(name: string) {
  if (name !== WALKTHROUGH && carried === undefined) await runSection(WALKTHROUGH);
  const sections = readmeSections(readFileSync(README, "utf8"));
  const blocks = sections.get(name);
  if (!blocks?.length) throw new Error(`README.md: no sh blocks in section ${name}`);
  const names = assignedNames(sections).join(" ");
  const stateFile = path.join(workDir, `${name}.state`);
  const varsFile = path.join(workDir, `${name}.vars`);
  const script = [
    prelude({ TM_URL: server.url, ADMIN_TOKEN: server.adminToken }),
    carried ?? "",
    sectionScript(blocks),
    // What the shell holds now: for the next section, and for checks beyond the README's lines.
    `for name in ${names}; do if [[ -v $name ]]; then printf '%s=%q\\n' "$name" "\${!name}"; fi; done > ${quote(stateFile)}`,
    `for name in ${names}; do if [[ -v $name ]]; then printf '%s=%s\\0' "$name" "\${!name}"; fi; done > ${quote(varsFile)}`,
    "exit 0",
  ].join("\n");
  const file = path.join(workDir, `${name}.sh`);
  writeFileSync(file, script);
  const { code, stdout, stderr } = await run(file);
  expect(code, `bash ${file}\n${stderr}\n${stdout}`).toBe(0);
  carried = readFileSync(stateFile, "utf8");

  const vars: Record<string, string> = {};
  for (const entry of readFileSync(varsFile, "utf8").split("\0")) {
    const at = entry.indexOf("=");
    if (at > 0) vars[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const calls: string[] = [];
  const statuses: string[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith(`${CALL} `)) continue;
    const [, method = "", url = "", status = ""] = line.split(" ");
    calls.push(`${method} ${new URL(url).pathname}`);
    statuses.push(status);
  }
  // Every call answered 200 (curl's exit status already failed the script on a 4xx or 5xx).
  expect(statuses.length).toBeGreaterThan(0);
  expect(
    statuses.filter((status) => status !== "200"),
    calls.join("\n"),
  ).toEqual([]);
  // Each `echo … # shown` printed what the README says it prints. Lines of JSON from the server
  // are the bodies of curls the README does not capture.
  const printed = stdout
    .split("\n")
    .filter((line) => line !== "" && !/^\{"(result|error)":/.test(line));
  const shown = blocks.flatMap((block) =>
    [...block.matchAll(/^echo\s[^|\n]*#\s*(.*)$/gm)].map((echo) => echo[1] ?? ""),
  );
  expect(printed).toEqual(shown);
  return { calls, printed, vars };
}

describe("README: the sections run by this test", () => {
  it("are all there", () => {
    const sections = readmeSections(readFileSync(README, "utf8"));
    expect([...sections.keys()]).toEqual(
      expect.arrayContaining([
        WALKTHROUGH,
        "wire-format-runs",
        "wire-format-schedules",
        "wire-format-waits",
      ]),
    );
  });
});

describe("README: orchestrator and agent over plain HTTP", () => {
  it("runs exactly as documented against the real server", async () => {
    const { calls, printed, vars } = await runSection(WALKTHROUGH);
    // Both sides: tokens, submit, register, claim, progress, log, complete, read.
    expect(calls).toEqual([
      "POST /api/trpc/tokens.create",
      "POST /api/trpc/tokens.create",
      "POST /api/trpc/workflows.submit",
      "POST /api/trpc/agents.register",
      "POST /api/trpc/agents.claim",
      "POST /api/trpc/tasks.progress",
      "POST /api/trpc/tasks.log",
      "POST /api/trpc/tasks.complete",
      "POST /api/trpc/agents.claim",
      "POST /api/trpc/tasks.complete",
      "GET /api/trpc/tasks.get",
      "GET /api/trpc/tasks.get",
    ]);
    expect(vars.STATE).toBe("succeeded");
    expect(JSON.parse(vars.RESULT ?? "null")).toEqual({ summary: "1280 rows, up 4 %" });
    expect(printed).toEqual(['succeeded {"summary":"1280 rows, up 4 %"}']);
  });
});

describe("README: workflow runs over plain HTTP", () => {
  it("pauses, lists, retries and cancels a run exactly as documented", async () => {
    const { calls, printed, vars } = await runSection("wire-format-runs");
    expect(calls).toEqual([
      "POST /api/trpc/workflows.submit",
      "POST /api/trpc/workflows.pause",
      "GET /api/trpc/workflows.list",
      "POST /api/trpc/workflows.resume",
      "POST /api/trpc/agents.claim",
      "POST /api/trpc/tasks.fail",
      "GET /api/trpc/workflows.list",
      "POST /api/trpc/workflows.retry",
      "POST /api/trpc/agents.claim",
      "POST /api/trpc/workflows.cancel",
      "GET /api/trpc/workflows.list",
    ]);
    expect(printed).toEqual(["paused", "failed", "attempt 1", "2 tasks, cancelled"]);
    expect(JSON.parse(vars.RETRIED ?? "null")).toEqual([vars.PACKAGE_ID]);

    // What the prose says of the cancelled agent: its next call is refused with 409 CONFLICT.
    const refused = await fetch(`${server.url}/api/trpc/tasks.complete`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${vars.AGENT_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        agentId: vars.AGENT_ID,
        taskId: vars.TASK_ID,
        leaseEpoch: Number(vars.LEASE_EPOCH),
      }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      "task is cancelled, not running",
    );
  });
});

describe("README: schedules over plain HTTP", () => {
  it("previews, creates, triggers, pauses, updates, resumes and deletes as documented", async () => {
    const { calls, printed, vars } = await runSection("wire-format-schedules");
    expect(calls).toEqual([
      "GET /api/trpc/schedules.preview",
      "POST /api/trpc/schedules.create",
      "POST /api/trpc/schedules.trigger",
      "POST /api/trpc/schedules.pause",
      "POST /api/trpc/schedules.update",
      "POST /api/trpc/schedules.resume",
      "GET /api/trpc/schedules.list",
      "POST /api/trpc/schedules.delete",
    ]);
    expect(printed).toEqual(["2026-03-08T07:00:00.000Z", "paused: true", "every 3600 s"]);
    // The triggered run is an ordinary task that names its schedule.
    const task = await fetch(
      `${server.url}/api/trpc/tasks.get?input=${encodeURIComponent(JSON.stringify({ id: vars.FIRED_TASK }))}`,
      { headers: { authorization: `Bearer ${vars.ORCHESTRATOR_TOKEN}` } },
    );
    expect(task.status).toBe(200);
  });
});

describe("README: waits and signals over plain HTTP", () => {
  it("drafts, lists the approval, approves it and refuses a second signal as documented", async () => {
    const { calls, printed, vars } = await runSection("wire-format-waits");
    expect(calls).toEqual([
      "POST /api/trpc/workflows.submit",
      "POST /api/trpc/agents.claim",
      "POST /api/trpc/tasks.complete",
      "GET /api/trpc/approvals.list",
      "POST /api/trpc/tasks.signal",
    ]);
    expect(printed).toEqual(["Approve the draft", "succeeded"]);
    // The gate's result is the payload, and the task after it is queued for an agent.
    const tasks = await fetch(
      `${server.url}/api/trpc/tasks.list?input=${encodeURIComponent(JSON.stringify({ workflowId: vars.RUN_ID, limit: 10 }))}`,
      { headers: { authorization: `Bearer ${vars.ORCHESTRATOR_TOKEN}` } },
    );
    const items = (
      (await tasks.json()) as {
        result: { data: { items: { key: string; state: string; result: unknown }[] } };
      }
    ).result.data.items;
    const byKey = new Map(items.map((item) => [item.key, item]));
    expect(byKey.get("approval")).toMatchObject({ state: "succeeded" });
    expect(byKey.get("publish")?.state).toBe("queued");

    // What the prose says of a second signal.
    const again = await fetch(`${server.url}/api/trpc/tasks.signal`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${vars.ORCHESTRATOR_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ workflowId: vars.RUN_ID, key: "approval", signal: "approval" }),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toBe(
      'task "Approve the draft" is not waiting for signal "approval": it has already succeeded',
    );
  });
});
