import type { BenchEnvironment } from "../setup";
import { figure } from "../stats";
import { runRunsListRender } from "../ui-runs";

/** The runs list (`--only runs`, and in the UI figures): its 100,000 runs seeded in seconds. */
export async function runsListFigures(env: BenchEnvironment) {
  const runsList = await runRunsListRender(env);
  figure("workflows_list_100k_ms", runsList.ms, "ms");
}
