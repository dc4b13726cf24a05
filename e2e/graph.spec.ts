import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { createTrpc } from "@/sdk";
import { E2E_ADMIN_TOKEN } from "./fixtures/admin-token";
import { adminClient, createToken, E2E_BASE_URL, signIn, unique } from "./fixtures/api";

const XSS_NAME = "<img src=x onerror=alert(1)>";

/**
 * extract → clean → load and extract → (a hostile name) → load: four tasks, four edges, all
 * needing a capability no other spec's agent has.
 */
async function submitDiamond() {
  const capability = unique("graph-cap");
  const tasks = [
    { key: "extract", name: "Extract", capabilities: [capability] },
    { key: "clean", name: "Clean", capabilities: [capability], dependsOn: ["extract"] },
    { key: "xss", name: XSS_NAME, capabilities: [capability], dependsOn: ["extract"] },
    { key: "load", name: "Load", capabilities: [capability], dependsOn: ["clean", "xss"] },
  ];
  const submitted = await adminClient().submitWorkflow({ name: unique("graph-wf"), tasks });
  const idOf = (key: string) => {
    const id = submitted.tasks.find((task) => task.key === key)?.id;
    if (!id) throw new Error(`no task ${key}`);
    return id;
  };
  return {
    workflowId: submitted.workflow.id,
    name: submitted.workflow.name,
    capability,
    idOf,
    edges: 4,
    tasks: tasks.length,
  };
}

/** An agent of our own, over HTTP with an agent token, as a real one would work. */
async function registerAgent(capability: string) {
  const agent = createTrpc({ url: E2E_BASE_URL, token: await createToken("agent") });
  const registered = await agent.agents.register.mutate({
    name: unique("graph-agent"),
    capabilities: [capability],
  });
  return { agent, agentId: registered.id };
}

/**
 * Opens the workflow's graph (the run page's Graph section) and waits for all its nodes. The first paint of a page can take
 * several seconds on a loaded CI machine (hydration, then the query), hence the longer wait.
 */
async function openGraph(page: Page, dag: { workflowId: string; tasks: number }) {
  await signIn(page, E2E_ADMIN_TOKEN, `/workflows/${dag.workflowId}?tab=graph`);
  await expect(page.getByTestId("graph-node")).toHaveCount(dag.tasks, { timeout: 20_000 });
}

const node = (page: Page, taskId: string) =>
  page.locator(`[data-testid="graph-node"][data-task-id="${taskId}"]`);

test("the graph draws every task and edge, and states change live as an agent works", async ({
  page,
}) => {
  const dag = await submitDiamond();
  // The old address still works: /graph?workflow= lands on the run page's Graph section.
  await signIn(page, E2E_ADMIN_TOKEN, `/graph?workflow=${dag.workflowId}`);
  await expect(page).toHaveURL(`/workflows/${dag.workflowId}?tab=graph`);
  await expect(page.getByRole("heading", { name: "Graph", exact: true, level: 2 })).toBeVisible();
  await expect(page.getByTestId("graph-node")).toHaveCount(dag.tasks, { timeout: 20_000 });
  await expect(page.locator(".react-flow__edge")).toHaveCount(dag.edges);
  await expect(node(page, dag.idOf("extract"))).toHaveAttribute("data-state", "queued");
  await expect(node(page, dag.idOf("load"))).toContainText("Blocked");

  const { agent, agentId } = await registerAgent(dag.capability);
  const { tasks } = await agent.agents.claim.mutate({ agentId, max: 1 });
  const claimed = tasks[0];
  expect(claimed?.id).toBe(dag.idOf("extract"));
  if (!claimed) return;
  await expect(node(page, claimed.id)).toHaveAttribute("data-state", "running");
  await expect(node(page, claimed.id)).toContainText("Running");

  await agent.tasks.complete.mutate({
    agentId,
    taskId: claimed.id,
    leaseEpoch: claimed.leaseEpoch,
  });
  await expect(node(page, claimed.id)).toHaveAttribute("data-state", "succeeded");
  await expect(node(page, claimed.id)).toContainText("Succeeded");
  await expect(node(page, dag.idOf("clean"))).toHaveAttribute("data-state", "queued");
  // Nothing was reloaded: the same nodes, the same count.
  await expect(page.getByTestId("graph-node")).toHaveCount(dag.tasks);
});

test("a task name with markup renders as text", async ({ page }) => {
  const dag = await submitDiamond();
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await openGraph(page, dag);
  const hostile = node(page, dag.idOf("xss"));
  await expect(hostile.getByTestId("graph-node-name")).toHaveText(XSS_NAME);
  await expect(page.getByTestId("workflow-graph").locator("img")).toHaveCount(0);
  expect(dialogs).toEqual([]);
});

test("clicking a node opens its task page", async ({ page }) => {
  const dag = await submitDiamond();
  await openGraph(page, dag);
  await node(page, dag.idOf("load")).click();
  await expect(page).toHaveURL(`/tasks/${dag.idOf("load")}`);
});

test("the critical path is marked and the finished branch collapses", async ({ page }) => {
  const dag = await submitDiamond();
  await openGraph(page, dag);
  // Nothing has run: every task weighs the same, so one of the two longest chains is marked.
  await expect(node(page, dag.idOf("extract"))).toHaveAttribute("data-critical", "true");
  await expect(node(page, dag.idOf("load"))).toHaveAttribute("data-critical", "true");
  await expect(page.locator(".react-flow__edge.graph-edge-critical")).toHaveCount(2);

  const { agent, agentId } = await registerAgent(dag.capability);
  for (let i = 0; i < 2; i++) {
    const { tasks } = await agent.agents.claim.mutate({ agentId, max: 1 });
    const claimed = tasks[0];
    if (!claimed) throw new Error("nothing to claim");
    await agent.tasks.complete.mutate({
      agentId,
      taskId: claimed.id,
      leaseEpoch: claimed.leaseEpoch,
    });
  }
  await expect(page.locator('[data-testid="graph-node"][data-state="succeeded"]')).toHaveCount(2);
  await page.getByLabel("Collapse finished branches").check();
  await expect(page.getByTestId("graph-group")).toHaveAttribute("data-count", "2");
  await expect(page.getByTestId("graph-node")).toHaveCount(2);
  await page.getByTestId("graph-group").click();
  await expect(page.getByTestId("graph-node")).toHaveCount(4);
});

test("the graph page has no serious or critical accessibility violations", async ({ page }) => {
  // Two full axe runs (light and dark) on a shared, loaded machine.
  test.setTimeout(90_000);
  const dag = await submitDiamond();
  await openGraph(page, dag);
  for (const theme of ["light", "dark"]) {
    await page.evaluate(
      (dark) => document.documentElement.classList.toggle("dark", dark),
      theme === "dark",
    );
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter(
      (violation) => violation.impact === "serious" || violation.impact === "critical",
    );
    expect(
      serious.map((v) => `${theme}: ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    ).toEqual([]);
  }
});
