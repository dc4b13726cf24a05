import type { BenchEnvironment } from "../setup";
import { figure, quantile } from "../stats";
import { runTaskLogRender } from "../ui-task-log";

/**
 * The task page's log panel over 100,000 lines (`--only task-log-ui`, and in the UI figures):
 * first render, scroll, live tail.
 */
export async function taskLogFigures(env: BenchEnvironment) {
  const panel = await runTaskLogRender(env);
  figure("log_panel_100k_render_ms", panel.renderMs, "ms");
  figure("log_panel_100k_loaded_ms", panel.loadedMs, "ms");
  figure("log_panel_scroll_p95_frame_ms", quantile(panel.frameMs, 0.95), "ms");
  figure("log_panel_scroll_long_tasks", panel.longTasks, "tasks");
  figure("log_panel_scroll_cpu_ms_per_frame", panel.cpuMsPerFrame, "ms");
  figure("log_panel_tail_p50_ms", quantile(panel.tailMs, 0.5), "ms");
}
