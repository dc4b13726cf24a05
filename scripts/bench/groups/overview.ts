import { runOverviewRender } from "../overview";
import type { BenchEnvironment } from "../setup";
import { figure } from "../stats";

/** The overview (`--only overview`): 1,000,000 finished tasks, their rollup, the page. */
export async function overviewFigures(env: BenchEnvironment) {
  const overview = await runOverviewRender(env);
  figure("overview_rollup_build_s", overview.rollupBuildS, "s");
  figure("overview_render_ms", overview.renderMs, "ms");
  figure("overview_render_7d_ms", overview.render7dMs, "ms");
}
