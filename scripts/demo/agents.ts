/**
 * The demo's agents: who can do what, with how much. Agent-scoped amounts are sized so that
 * a busy agent stays under the 80 % usage alert (the task requirements in workflows.ts use at
 * most 75 % of them); only the `gpu` pool is meant to run full. The concurrencies bound the
 * `llm_api` pool too: 6 research and 6 coding tasks at 1 each, 2 reviews: 14 of its 20.
 */

/** One agent token per team, as separate deployments would have. */
export const DEMO_TEAMS = ["research", "engineering", "ml"] as const;
export type DemoTeam = (typeof DEMO_TEAMS)[number];

export interface DemoAgentSpec {
  name: string;
  team: DemoTeam;
  capabilities: string[];
  /** cpu, memory_gb, slots: the agent-scoped resources of task-manager.yaml. */
  capacity: Record<string, number>;
  concurrency: number;
  /** Task types it has handlers for. */
  types: string[];
}

const research = ["fetch_sources", "summarise", "publish"];
const engineering = ["plan", "implement", "run_tests"];
const mlOps = ["prepare_data", "evaluate", "deploy"];

export const DEMO_AGENTS: readonly DemoAgentSpec[] = [
  ...[1, 2].map((n) => ({
    name: `demo-researcher-${n}`,
    team: "research" as const,
    capabilities: ["research"],
    capacity: { cpu: 4, memory_gb: 8, slots: 3 },
    concurrency: 3,
    types: research,
  })),
  {
    name: "demo-reviewer-1",
    team: "research",
    capabilities: ["review"],
    capacity: { cpu: 2, memory_gb: 4, slots: 2 },
    concurrency: 2,
    types: ["review"],
  },
  ...[1, 2].map((n) => ({
    name: `demo-coder-${n}`,
    team: "engineering" as const,
    capabilities: ["code"],
    capacity: { cpu: 8, memory_gb: 16, slots: 3 },
    concurrency: 3,
    types: engineering,
  })),
  {
    name: "demo-ml-ops-1",
    team: "ml",
    capabilities: ["ml"],
    capacity: { cpu: 8, memory_gb: 32, slots: 3 },
    concurrency: 3,
    types: mlOps,
  },
  ...[1, 2].map((n) => ({
    name: `demo-gpu-${n}`,
    team: "ml" as const,
    capabilities: ["gpu"],
    capacity: { cpu: 16, memory_gb: 64, slots: 2 },
    concurrency: 2,
    types: ["train"],
  })),
];
