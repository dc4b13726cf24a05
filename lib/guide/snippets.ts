/**
 * The code the empty pages offer, with this server's base URL and, when the admin made one for
 * the page, a real token. Pure text: the components show it as text, never as markup.
 */

/** What a snippet says when the reader has no token yet: a variable they set themselves. */
export const TOKEN_PLACEHOLDER = "$TM_TOKEN";

/** `npm start -- --demo`: the one command that brings every page to life. */
export const DEMO_COMMAND = "npm start -- --demo";

/** The two-task workflow every snippet submits: `summarise` waits for `fetch`. */
export const EXAMPLE_WORKFLOW = {
  name: "weekly report",
  tasks: [
    { key: "fetch", name: "Fetch the figures", type: "fetch", payload: { week: 47 } },
    { key: "summarise", name: "Summarise them", type: "summarise", dependsOn: ["fetch"] },
  ],
} as const;

// In a shell, a placeholder must stay a variable (double quotes); a real secret is quoted as is.
function authHeader(token: string | null): string {
  return token === null
    ? `-H "authorization: Bearer ${TOKEN_PLACEHOLDER}"`
    : `-H 'authorization: Bearer ${token}'`;
}

function tsToken(token: string | null): string {
  return token === null ? 'process.env.TM_TOKEN ?? ""' : JSON.stringify(token);
}

export function curlSubmitWorkflow(baseUrl: string, token: string | null): string {
  const tasks = EXAMPLE_WORKFLOW.tasks.map((task) => `    ${JSON.stringify(task)}`).join(",\n");
  return [
    `curl -s '${baseUrl}/api/trpc/workflows.submit' \\`,
    `  ${authHeader(token)} -H 'content-type: application/json' \\`,
    `  -d '{"name": ${JSON.stringify(EXAMPLE_WORKFLOW.name)}, "tasks": [`,
    `${tasks}]}'`,
  ].join("\n");
}

/** A value as a TypeScript literal on one line: `{ key: "fetch", dependsOn: ["fetch"] }`. */
function tsLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => `${key}: ${tsLiteral(item)}`);
    return `{ ${entries.join(", ")} }`;
  }
  return JSON.stringify(value);
}

export function tsSubmitWorkflow(baseUrl: string, token: string | null): string {
  return [
    "// In this repository: npx tsx submit.ts",
    'import { createTaskManagerClient } from "./sdk";',
    "",
    "const client = createTaskManagerClient({",
    `  url: ${JSON.stringify(baseUrl)},`,
    `  token: ${tsToken(token)},`,
    "});",
    "const { tasks } = await client.submitWorkflow({",
    `  name: ${JSON.stringify(EXAMPLE_WORKFLOW.name)},`,
    "  tasks: [",
    ...EXAMPLE_WORKFLOW.tasks.map((task) => `    ${tsLiteral(task)},`),
    "  ],",
    "});",
    'console.log("submitted the tasks", tasks.map((task) => task.id));',
  ].join("\n");
}

export function tsAgentWorker(baseUrl: string, token: string | null): string {
  return [
    "// In this repository: npx tsx worker.ts (an agent token; Ctrl-C stops it)",
    'import { createAgentWorker } from "./sdk";',
    "",
    "const worker = createAgentWorker({",
    `  url: ${JSON.stringify(baseUrl)},`,
    `  token: ${tsToken(token)},`,
    '  name: "report-worker-1",',
    '  capabilities: ["research"],',
    "  capacity: { cpu: 4, memory_gb: 16, slots: 2 },",
    "  concurrency: 2,",
    "  handlers: {",
    "    fetch: async (_task, ctx) => {",
    '      await ctx.progress({ fraction: 0.5, step: "download" });',
    "      return { rows: 1280 };",
    "    },",
    '    summarise: async () => ({ summary: "1280 rows, up 4 %" }),',
    "  },",
    "});",
    "await worker.start(); // registers the agent: it shows up on this page",
    'process.on("SIGINT", () => void worker.stop({ graceMs: 10_000 }));',
  ].join("\n");
}

export function curlUpsertPool(baseUrl: string, token: string | null): string {
  return [
    `curl -s '${baseUrl}/api/trpc/resources.upsert' \\`,
    `  ${authHeader(token)} -H 'content-type: application/json' \\`,
    `  -d '${JSON.stringify({ name: "gpu", scope: "pool", capacity: 4, description: "GPU cluster nodes" })}'`,
  ].join("\n");
}

export const YAML_POOLS = [
  "# task-manager.yaml (read at start)",
  "resources:",
  "  pools:",
  "    gpu:",
  "      capacity: 4",
  '      description: "GPU cluster nodes"',
  "  agent: [cpu, memory_gb, slots]",
].join("\n");
