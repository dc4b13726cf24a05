import type { ScheduleInput, TaskManagerClient } from "@/sdk";
import type { Simulation } from "./simulation";

/**
 * The demo's recurring work, so the Schedules page has a schedule with fires and runs: a news
 * digest every two minutes, run by the research agents like any summarise task.
 */
export const DEMO_SCHEDULE_NAME = "demo:news-digest";

function digestSchedule(timeScale: number): ScheduleInput {
  const seconds = (s: number) => Math.round(s * timeScale * 100) / 100;
  const simulation: Simulation = {
    steps: [
      { name: "collect headlines", seconds: seconds(3) },
      { name: "call the LLM", seconds: seconds(6) },
    ],
    result: { items: 12 },
  };
  return {
    name: DEMO_SCHEDULE_NAME,
    cron: "*/2 * * * *",
    timezone: "Europe/Berlin",
    overlap: "skip",
    task: {
      name: "News digest",
      type: "summarise",
      capabilities: ["research"],
      requires: { memory_gb: 1, llm_api: 1 },
      payload: { source: "news wires", simulation },
    },
  };
}

/** Creates the demo's schedule unless a previous run did; returns whether it created it. */
export async function ensureDemoSchedule(
  client: TaskManagerClient,
  timeScale: number,
): Promise<boolean> {
  const { items } = await client.listSchedules({ limit: 500 });
  if (items.some((schedule) => schedule.name === DEMO_SCHEDULE_NAME)) return false;
  await client.createSchedule(digestSchedule(timeScale));
  return true;
}
