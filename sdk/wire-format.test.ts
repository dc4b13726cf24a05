import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { startTestServer, type TestServer } from "@/test/server";

/**
 * The README's "Orchestrator and agent over plain HTTP" walkthrough, run as written: every
 * ```sh block between the wire-format markers is parsed and each curl command is replayed
 * with plain fetch (same method, URL, headers and bytes of body), each `NAME=$(… | jq …)`
 * capture fills the variable later commands use. No SDK, no tRPC client: if the documented
 * wire format drifts from the server's, this fails. The parser knows only the shell used
 * there, and refuses anything else, so the README cannot quietly grow an untested command.
 */

const README = path.resolve(import.meta.dirname, "..", "README.md");
const START = "<!-- wire-format:start";
const END = "<!-- wire-format:end -->";
/** "Workflow runs": carries on from the walkthrough's tokens and agent. */
const RUNS_START = "<!-- wire-format-runs:start";
const RUNS_END = "<!-- wire-format-runs:end -->";
/** "Schedules": carries on from the walkthrough's orchestrator token. */
const SCHEDULES_START = "<!-- wire-format-schedules:start";
const SCHEDULES_END = "<!-- wire-format-schedules:end -->";
/** "Waits and signals": carries on from the walkthrough's orchestrator and agent. */
const WAITS_START = "<!-- wire-format-waits:start";
const WAITS_END = "<!-- wire-format-waits:end -->";

const pg = setupTestDatabase();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ databaseUrl: pg.url });
}, 600_000);

afterAll(async () => {
  await server?.stop();
}, 120_000);

type Vars = Record<string, string>;

/** The ```sh blocks of the walkthrough, as arrays of lines. */
function walkthroughBlocks(markdown: string, start = START, end = END): string[][] {
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md: no ${start} … ${end} section`);
  const section = markdown.slice(from, to);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) =>
    (match[1] ?? "").replace(/\\\n\s*/g, "").split("\n"),
  );
}

function expand(text: string, vars: Vars): string {
  return text.replace(/\$\{?([A-Za-z_]\w*)\}?/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`$${name} is used before it is set`);
    return value;
  });
}

type Token = { word: string } | { op: "|" | ")" } | { heredoc: string };

/** Words with shell quoting ('…' literal, "…" and bare words expanded), pipes and heredocs. */
function tokenize(line: string, vars: Vars): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] ?? "";
    if (/\s/.test(c)) i++;
    else if (c === "#") break;
    else if (c === "|" || c === ")") {
      tokens.push({ op: c });
      i++;
    } else if (line.startsWith("<<", i)) {
      const match = /^<<(\w+)/.exec(line.slice(i));
      if (!match?.[1]) throw new Error(`unsupported heredoc in: ${line}`);
      tokens.push({ heredoc: match[1] });
      i += match[0].length;
    } else {
      let word = "";
      while (i < line.length && !/[\s|)]/.test(line[i] ?? "")) {
        const quote = line[i];
        if (quote === "'" || quote === '"') {
          const end = line.indexOf(quote, i + 1);
          if (end < 0) throw new Error(`unclosed quote in: ${line}`);
          const inner = line.slice(i + 1, end);
          word += quote === "'" ? inner : expand(inner, vars);
          i = end + 1;
        } else {
          const run = /^[^\s|)'"]+/.exec(line.slice(i))?.[0] ?? "";
          if (run.includes("$(")) throw new Error(`unsupported command substitution: ${line}`);
          word += expand(run, vars);
          i += run.length;
        }
      }
      tokens.push({ word });
    }
  }
  return tokens;
}

const words = (tokens: Token[]) =>
  tokens.map((token) => {
    if (!("word" in token)) throw new Error(`unexpected ${JSON.stringify(token)}`);
    return token.word;
  });

/** A jq invocation limited to paths: `jq [-r|-c] .a.b[0].c`. */
function jq(args: string[], body: string): string {
  const filter = args.at(-1) ?? "";
  const flags = args.slice(1, -1);
  if (args[0] !== "jq" || flags.some((flag) => flag !== "-r" && flag !== "-c")) {
    throw new Error(`unsupported jq call: ${args.join(" ")}`);
  }
  if (!/^(\.\w+|\[\d+\])+$/.test(filter)) throw new Error(`unsupported jq filter: ${filter}`);
  let value: unknown = JSON.parse(body);
  for (const [, key, index] of filter.matchAll(/\.(\w+)|\[(\d+)\]/g)) {
    value = (value as Record<string, unknown> | undefined)?.[key ?? Number(index)];
  }
  return flags.includes("-r") && typeof value === "string" ? value : JSON.stringify(value);
}

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** curl with the flags the README uses, and no others. */
function curlCall(args: string[], heredoc: string | undefined): Call {
  const call: Call = { method: "GET", url: "", headers: {} };
  let get = false;
  let data: string | undefined;
  let urlencoded: [string, string] | undefined;
  const next = (i: number) => {
    const value = args[i + 1];
    if (value === undefined) throw new Error(`curl ${args[i]} needs a value`);
    return value;
  };
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-s") continue;
    if (arg === "-G") get = true;
    else if (arg === "-H") {
      const [name, ...value] = next(i++).split(":");
      call.headers[(name ?? "").trim().toLowerCase()] = value.join(":").trim();
    } else if (arg === "-d") data = next(i++);
    else if (arg === "--data-binary" && next(i++) === "@-") data = heredoc;
    else if (arg === "--data-urlencode" && /^\w+@-$/.test(next(i))) {
      urlencoded = [next(i++).slice(0, -2), heredoc ?? ""];
    } else if (/^https?:\/\//.test(arg) && !call.url) call.url = arg;
    else throw new Error(`unsupported curl argument: ${arg}`);
  }
  if (data === undefined && heredoc !== undefined && !urlencoded) {
    throw new Error("a heredoc that no curl argument reads");
  }
  if (get) {
    if (urlencoded) call.url += `?${urlencoded[0]}=${encodeURIComponent(urlencoded[1])}`;
  } else if (data !== undefined) {
    call.method = "POST";
    call.body = data;
  }
  return call;
}

async function send(call: Call): Promise<string> {
  const response = await fetch(call.url, call);
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`${call.method} ${call.url} → ${response.status}: ${text}`);
  }
  return text;
}

/** Runs the blocks in order; returns the variables and the calls made. */
async function runWalkthrough(blocks: string[][], vars: Vars) {
  const given = new Set(Object.keys(vars));
  const calls: Call[] = [];
  const echoes: { printed: string; shown: string }[] = [];
  for (const lines of blocks) {
    for (let n = 0; n < lines.length; n++) {
      const line = (lines[n] ?? "").trim();
      if (line === "" || line.startsWith("#")) continue;

      const echo = /^echo\s+("[^"]*")\s+#\s*(.*)$/.exec(line);
      if (echo) {
        echoes.push({
          printed: words(tokenize(echo[1] ?? "", vars)).join(" "),
          shown: echo[2] ?? "",
        });
        continue;
      }
      const assignment = /^([A-Z_][A-Z0-9_]*)=(?!\$\()(\S+)(\s+#.*)?$/.exec(line);
      if (assignment) {
        const [, name = "", value = ""] = assignment;
        // The reader fills in their own URL and admin token; the test has its own.
        if (!given.has(name)) vars[name] = words(tokenize(value, vars)).join("");
        continue;
      }
      const capture = /^([A-Z_][A-Z0-9_]*)=\$\((.*)$/.exec(line);
      const tokens = tokenize(capture ? (capture[2] ?? "") : line, vars);
      const last = tokens.at(-1);
      if (capture && last && "op" in last && last.op === ")") tokens.pop();
      const pipe = tokens.findIndex((token) => "op" in token && token.op === "|");
      const command = pipe < 0 ? tokens : tokens.slice(0, pipe);
      const filter = pipe < 0 ? undefined : words(tokens.slice(pipe + 1));
      const heredocToken = command.find((token) => "heredoc" in token);
      const args = words(command.filter((token) => !("heredoc" in token)));

      let heredoc: string | undefined;
      if (heredocToken && "heredoc" in heredocToken) {
        const body: string[] = [];
        while (++n < lines.length && lines[n] !== heredocToken.heredoc) body.push(lines[n] ?? "");
        heredoc = `${expand(body.join("\n"), vars)}\n`;
        if (capture && lines[++n]?.trim() !== ")") throw new Error(`${capture[1]}=$(… lacks its )`);
      }

      let output: string;
      if (args[0] === "curl") {
        const call = curlCall(args, heredoc);
        calls.push(call);
        output = await send(call);
      } else if (args[0] === "echo" && args.length === 2 && filter) {
        output = args[1] ?? "";
      } else {
        throw new Error(`unsupported command: ${line}`);
      }
      if (filter) output = jq(filter, output);
      if (capture?.[1]) vars[capture[1]] = output;
    }
  }
  return { vars, calls, echoes };
}

describe("README: orchestrator and agent over plain HTTP", () => {
  it("runs exactly as documented against the real server", async () => {
    const blocks = walkthroughBlocks(readFileSync(README, "utf8"));
    const { vars, calls, echoes } = await runWalkthrough(blocks, {
      TM_URL: server.url,
      ADMIN_TOKEN: server.adminToken,
    });

    // The walkthrough covers both sides: tokens, submit, register, claim, progress, log,
    // complete, read.
    expect(calls.map((call) => `${call.method} ${new URL(call.url).pathname}`)).toEqual([
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
    // What the README says the last line prints is what it prints.
    expect(echoes).toHaveLength(1);
    for (const { printed, shown } of echoes) expect(printed).toBe(shown);
  });
});

describe("README: workflow runs over plain HTTP", () => {
  it("pauses, lists, retries and cancels a run exactly as documented", async () => {
    const markdown = readFileSync(README, "utf8");
    const first = await runWalkthrough(walkthroughBlocks(markdown), {
      TM_URL: server.url,
      ADMIN_TOKEN: server.adminToken,
    });
    const { vars, calls, echoes } = await runWalkthrough(
      walkthroughBlocks(markdown, RUNS_START, RUNS_END),
      first.vars,
    );
    expect(calls.map((call) => `${call.method} ${new URL(call.url).pathname}`)).toEqual([
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
    expect(echoes.map((echo) => echo.printed)).toEqual([
      "paused",
      "failed",
      "attempt 1",
      "2 tasks, cancelled",
    ]);
    for (const { printed, shown } of echoes) expect(printed).toBe(shown);
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
    const markdown = readFileSync(README, "utf8");
    const first = await runWalkthrough(walkthroughBlocks(markdown), {
      TM_URL: server.url,
      ADMIN_TOKEN: server.adminToken,
    });
    const { vars, calls, echoes } = await runWalkthrough(
      walkthroughBlocks(markdown, SCHEDULES_START, SCHEDULES_END),
      first.vars,
    );
    expect(calls.map((call) => `${call.method} ${new URL(call.url).pathname}`)).toEqual([
      "GET /api/trpc/schedules.preview",
      "POST /api/trpc/schedules.create",
      "POST /api/trpc/schedules.trigger",
      "POST /api/trpc/schedules.pause",
      "POST /api/trpc/schedules.update",
      "POST /api/trpc/schedules.resume",
      "GET /api/trpc/schedules.list",
      "POST /api/trpc/schedules.delete",
    ]);
    expect(echoes.map((echo) => echo.printed)).toEqual([
      "2026-03-08T07:00:00.000Z",
      "paused: true",
      "every 3600 s",
    ]);
    for (const { printed, shown } of echoes) expect(printed).toBe(shown);
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
    const markdown = readFileSync(README, "utf8");
    const first = await runWalkthrough(walkthroughBlocks(markdown), {
      TM_URL: server.url,
      ADMIN_TOKEN: server.adminToken,
    });
    const { vars, calls, echoes } = await runWalkthrough(
      walkthroughBlocks(markdown, WAITS_START, WAITS_END),
      first.vars,
    );
    expect(calls.map((call) => `${call.method} ${new URL(call.url).pathname}`)).toEqual([
      "POST /api/trpc/workflows.submit",
      "POST /api/trpc/agents.claim",
      "POST /api/trpc/tasks.complete",
      "GET /api/trpc/approvals.list",
      "POST /api/trpc/tasks.signal",
    ]);
    expect(echoes.map((echo) => echo.printed)).toEqual(["Approve the draft", "succeeded"]);
    for (const { printed, shown } of echoes) expect(printed).toBe(shown);
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
