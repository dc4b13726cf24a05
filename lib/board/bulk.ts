import { errorMessage } from "@/lib/trpc/errors";
import type { SelectedTask } from "./selection";

export interface BulkOutcome {
  done: number;
  /** Each task the server refused, as it words the refusal. */
  refused: { id: string; name: string; message: string }[];
}

/**
 * Runs `call` for every task, a few at a time, and reports which were refused. One call per
 * task: each is checked and refused on its own (a task that started meanwhile, a role), and
 * one refusal must not stop the rest.
 */
export async function runBulk(
  tasks: readonly SelectedTask[],
  call: (task: SelectedTask) => Promise<unknown>,
  concurrency = 8,
): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: 0, refused: [] };
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      if (!task) return;
      try {
        await call(task);
        outcome.done++;
      } catch (error) {
        outcome.refused.push({ id: task.id, name: task.name, message: errorMessage(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return outcome;
}
