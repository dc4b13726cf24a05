import type { WorkflowInput } from "@/sdk";
import type { Random } from "./random";
import type { Simulation } from "./simulation";

/**
 * The workflows the demo orchestrator submits: realistic DAGs whose tasks carry a
 * `simulation` (simulation.ts) saying how long each step takes and whether it fails.
 */
export const WORKFLOW_KINDS = ["research", "training", "code"] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

export interface WorkflowSettings {
  random: Random;
  /** Multiplies every duration and retry delay (1 = real time; the test runs faster). */
  timeScale: number;
  /** How long a long training run takes, seconds (unscaled): past the duration alert. */
  longTaskSeconds: readonly [number, number];
}

type TaskInput = WorkflowInput["tasks"][number];
type StepPlan = readonly [name: string, minS: number, maxS: number];

interface TaskPlan {
  key: string;
  name: string;
  type: string;
  capabilities: string[];
  requires?: Record<string, number>;
  steps: readonly StepPlan[];
  dependsOn?: string[];
  priority?: number;
  failAttempts?: number;
  transientError?: string;
  fatalError?: string;
  result?: Simulation["result"];
  payload?: Record<string, string | number>;
}

function taskInput(plan: TaskPlan, settings: WorkflowSettings): TaskInput {
  const { random, timeScale } = settings;
  const round = (seconds: number) => Math.round(seconds * timeScale * 100) / 100;
  const simulation: Simulation = {
    steps: plan.steps.map(([name, min, max]) => ({
      name,
      seconds: round(random.between(min, max)),
    })),
    failAttempts: plan.failAttempts ?? 0,
    transientError: plan.transientError,
    fatalError: plan.fatalError,
    result: plan.result,
  };
  return {
    key: plan.key,
    name: plan.name,
    type: plan.type,
    capabilities: plan.capabilities,
    requires: plan.requires ?? {},
    dependsOn: plan.dependsOn ?? [],
    priority: plan.priority ?? 0,
    payload: { ...plan.payload, simulation },
    maxAttempts: 3,
    backoff: { baseS: round(3), maxS: round(30) },
  };
}

const TOPICS = [
  "battery recycling",
  "heat pumps in cold climates",
  "open-weight language models",
  "urban rail ridership",
  "coral reef restoration",
  "grid-scale storage",
  "antibiotic resistance",
  "satellite broadband",
];
const SOURCES = ["arXiv", "Nature", "IEA", "Reuters", "OECD", "Our World in Data", "Wikipedia"];

function researchReport(settings: WorkflowSettings): WorkflowInput {
  const { random } = settings;
  const topic = random.pick(TOPICS);
  const sources = [...SOURCES].sort(() => random.next() - 0.5).slice(0, random.int(3, 5));
  const fetchFailures = random.chance(0.2) ? random.int(1, 2) : 0;
  const plans: TaskPlan[] = [
    {
      key: "fetch",
      name: "Fetch sources",
      type: "fetch_sources",
      capabilities: ["research"],
      requires: { memory_gb: 1 },
      steps: [
        ["search index", 1, 3],
        ["download sources", 2, 5],
        ["extract text", 1, 3],
      ],
      failAttempts: fetchFailures,
      transientError: "connection reset by the source site",
      payload: { topic, sources: sources.join(", ") },
      result: { documents: random.int(12, 60) },
    },
    ...sources.map(
      (source, index): TaskPlan => ({
        key: `summarise-${index + 1}`,
        name: `Summarise ${source}`,
        type: "summarise",
        capabilities: ["research"],
        requires: { memory_gb: 1, llm_api: 1 },
        dependsOn: ["fetch"],
        steps: [
          ["chunk documents", 1, 2],
          ["call the LLM", 4, 10],
          ["condense", 1, 3],
        ],
        failAttempts: random.chance(0.15) ? 1 : 0,
        transientError: "LLM API rate limited (429)",
        payload: { source },
        result: { words: random.int(250, 900) },
      }),
    ),
    {
      key: "review",
      name: "Review the draft",
      type: "review",
      capabilities: ["review"],
      requires: { memory_gb: 1, llm_api: 1 },
      dependsOn: sources.map((_, index) => `summarise-${index + 1}`),
      steps: [
        ["read the draft", 2, 4],
        ["check citations", 2, 4],
        ["write comments", 1, 2],
      ],
      fatalError: random.chance(0.08) ? "review rejected the draft: unsupported claims" : undefined,
      result: { comments: random.int(0, 7) },
    },
    {
      key: "publish",
      name: "Publish the report",
      type: "publish",
      capabilities: ["research"],
      requires: { memory_gb: 1 },
      dependsOn: ["approve"],
      steps: [
        ["render", 1, 2],
        ["upload", 1, 2],
      ],
      result: { url: `https://reports.example.com/${topic.replaceAll(" ", "-")}` },
    },
  ];
  // A person stays in the loop: the reviewed draft waits on the Approvals page for an editor
  // (the demo's reviewer, in orchestrator.ts) before it is published.
  const approval: TaskInput = {
    key: "approve",
    name: "Editor approval",
    type: "approval",
    dependsOn: ["review"],
    waitFor: { signal: "approval", timeoutS: 3600 },
    payload: { topic },
  };
  const tasks = plans.map((plan) => taskInput(plan, settings));
  const publish = tasks.findIndex((task) => task.key === "publish");
  tasks.splice(publish, 0, approval);
  return { name: `Research report: ${topic}`, metadata: { demo: true, kind: "research" }, tasks };
}

const MODELS = ["churn-predictor", "ticket-router", "fraud-scorer", "demand-forecast", "ocr-lite"];

function modelTraining(settings: WorkflowSettings): WorkflowInput {
  const { random } = settings;
  const model = random.pick(MODELS);
  const version = `v${random.int(2, 9)}.${random.int(0, 20)}`;
  const gpus = random.chance(0.25) ? 2 : 1;
  // Some runs are long on purpose: they trip the task_duration alert (see the README).
  const long = random.chance(0.3);
  const [minS, maxS] = long ? settings.longTaskSeconds : [15, 35];
  const epochs = long ? 10 : 5;
  const epochSeconds = (seconds: number) => seconds / epochs;
  const plans: TaskPlan[] = [
    {
      key: "prepare",
      name: "Prepare the data",
      type: "prepare_data",
      capabilities: ["ml"],
      requires: { cpu: 2, memory_gb: 8 },
      steps: [
        ["download dataset", 1, 3],
        ["clean", 1, 3],
        ["split", 1, 2],
      ],
      payload: { model, version },
      result: { rows: random.int(50_000, 2_000_000) },
    },
    {
      key: "train",
      name: `Train ${model} ${version}${long ? " (full sweep)" : ""}`,
      type: "train",
      capabilities: ["gpu"],
      requires: { gpu: gpus, cpu: 4, memory_gb: 24 },
      dependsOn: ["prepare"],
      steps: Array.from(
        { length: epochs },
        (_, index): StepPlan => [
          `epoch ${index + 1}/${epochs}`,
          epochSeconds(minS),
          epochSeconds(maxS),
        ],
      ),
      failAttempts: random.chance(0.1) ? 1 : 0,
      transientError: "CUDA out of memory",
      payload: { model, version, gpus },
      result: { loss: Math.round(random.between(0.05, 0.4) * 1000) / 1000 },
    },
    {
      key: "evaluate",
      name: "Evaluate on the holdout set",
      type: "evaluate",
      capabilities: ["ml"],
      requires: { cpu: 2, memory_gb: 8 },
      dependsOn: ["train"],
      steps: [
        ["score holdout", 2, 5],
        ["compare with baseline", 1, 2],
      ],
      fatalError: random.chance(0.08) ? "accuracy 0.71 is below the baseline 0.80" : undefined,
      result: { accuracy: Math.round(random.between(0.81, 0.95) * 100) / 100 },
    },
    {
      key: "deploy",
      name: `Deploy ${model} ${version}`,
      type: "deploy",
      capabilities: ["ml"],
      requires: { cpu: 1, memory_gb: 2 },
      dependsOn: ["evaluate"],
      steps: [
        ["package", 1, 2],
        ["canary", 1, 2],
        ["promote", 0.5, 1],
      ],
      result: { endpoint: `${model}-${version}` },
    },
  ];
  return {
    name: `Model training: ${model} ${version}`,
    metadata: { demo: true, kind: "training" },
    tasks: plans.map((plan) => taskInput(plan, settings)),
  };
}

const CHANGES = [
  "add rate limiting to the public API",
  "fix the timezone bug in invoices",
  "migrate the search page to the new index",
  "speed up the nightly export",
  "upgrade the payment SDK",
  "remove the legacy feature flags",
];

function codeChange(settings: WorkflowSettings): WorkflowInput {
  const { random } = settings;
  const change = random.pick(CHANGES);
  const hotfix = random.chance(0.2);
  const priority = hotfix ? 10 : 0;
  const failing = random.chance(0.1);
  const plans: TaskPlan[] = [
    {
      key: "plan",
      name: "Plan the change",
      type: "plan",
      capabilities: ["code"],
      requires: { cpu: 1, llm_api: 1 },
      steps: [
        ["read the issue", 1, 2],
        ["sketch the design", 1, 3],
      ],
      priority,
      payload: { change },
      result: { files: random.int(1, 12) },
    },
    {
      key: "implement",
      name: "Implement",
      type: "implement",
      capabilities: ["code"],
      requires: { cpu: 2, memory_gb: 4, llm_api: 1 },
      dependsOn: ["plan"],
      steps: [
        ["edit files", 3, 7],
        ["format", 0.5, 1],
        ["build", 2, 5],
      ],
      priority,
      result: { linesChanged: random.int(10, 400) },
    },
    {
      key: "test",
      name: "Run the tests",
      type: "run_tests",
      capabilities: ["code"],
      requires: { cpu: 2, memory_gb: 4 },
      dependsOn: ["implement"],
      steps: [
        ["unit tests", 2, 5],
        ["integration tests", 3, 6],
      ],
      priority,
      failAttempts: !failing && random.chance(0.15) ? 1 : 0,
      transientError: "flaky test: timeout in the integration suite",
      fatalError: failing ? `${random.int(1, 4)} tests failed` : undefined,
      result: { passed: random.int(120, 900) },
    },
    {
      key: "review",
      name: "Code review",
      type: "review",
      capabilities: ["review"],
      requires: { memory_gb: 1, llm_api: 1 },
      dependsOn: ["test"],
      steps: [
        ["read the diff", 2, 4],
        ["write comments", 1, 3],
      ],
      priority,
      result: { approved: true },
    },
  ];
  return {
    name: `${hotfix ? "Hotfix" : "Code change"}: ${change}`,
    metadata: { demo: true, kind: "code" },
    tasks: plans.map((plan) => taskInput(plan, settings)),
  };
}

export const buildWorkflow: Record<WorkflowKind, (settings: WorkflowSettings) => WorkflowInput> = {
  research: researchReport,
  training: modelTraining,
  code: codeChange,
};
