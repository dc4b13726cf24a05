import type { BenchEnvironment } from "../setup";
import { figure, log } from "../stats";
import { runBoardRender } from "../ui-board";
import { runGraphLayout } from "../ui-graph";
import { runTimelineRender } from "../ui-timeline";
import { overviewFigures } from "./overview";
import { runsListFigures } from "./runs";
import { taskLogFigures } from "./task-log-ui";

/**
 * The pages in Chromium (`--only ui`; `--skip-ui` leaves them out of the full run): the board
 * over 10,000 tasks, the graph of a 2,000-task workflow, the runs list over 100,000 runs, a
 * run's timeline, a task's log of 100,000 lines, the overview.
 */
export async function uiFigures(env: BenchEnvironment) {
  const board = await runBoardRender(env);
  figure("board_first_render_10k", board.ms, "ms");
  const graph = await runGraphLayout(env);
  log(`graph detail: ${JSON.stringify(graph)}`);
  figure("graph_layout_2000", graph.layoutMs, "ms");
  figure("graph_render_2000", graph.renderMs, "ms");
  await runsListFigures(env);
  const timeline = await runTimelineRender(env);
  log(`timeline detail: ${JSON.stringify(timeline.detail)}`);
  figure("workflow_timeline_2000_ms", timeline.ms, "ms");
  await taskLogFigures(env);
  await overviewFigures(env);
}
