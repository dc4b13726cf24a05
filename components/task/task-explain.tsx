"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { TaskState } from "@/lib/tasks/states";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

/**
 * "Why is it waiting" (`tasks.explain`) for a task that is not running: each reason in the
 * server's words, dependencies as links. A running task shows who runs it instead.
 */
export function TaskExplain({ id, state }: { id: string; state: TaskState }) {
  const trpc = useTRPC();
  const explain = useQuery(trpc.tasks.explain.queryOptions({ id }));
  const title =
    state === "blocked" || state === "waiting" || state === "queued"
      ? "Why is it waiting?"
      : state === "running"
        ? "Who runs it"
        : "How it ended";
  const data = explain.data;
  return (
    <section
      aria-labelledby="explain-heading"
      className="flex flex-col gap-2"
      data-testid="explain"
    >
      <h2 id="explain-heading" className="text-lg font-semibold">
        {title}
      </h2>
      {explain.isError && (
        <p role="alert" className="text-sm text-danger">
          Could not explain this task: {errorMessage(explain.error)}
        </p>
      )}
      {explain.isPending && <p className="text-sm text-ink-muted">Asking the scheduler…</p>}
      {data &&
        (data.state === "blocked" || data.state === "waiting" || data.state === "queued") &&
        (data.reasons.length === 0 ? (
          <p className="text-sm">Nothing holds it back: the next free agent should claim it.</p>
        ) : (
          <ul className="flex list-disc flex-col gap-1 pl-5 text-sm">
            {data.reasons.map((reason) => (
              <li key={`${reason.kind}:${reason.message}`}>
                {reason.message}
                {reason.kind === "dependencies" && (
                  <ul className="mt-1 flex flex-col gap-0.5 pl-4">
                    {reason.tasks.map((task) => (
                      <li key={task.id}>
                        <Link href={`/tasks/${task.id}`} className="text-accent underline">
                          {task.name}
                        </Link>{" "}
                        ({task.state})
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        ))}
      {data?.state === "running" && (
        <p className="text-sm">
          Running on {data.agent?.name ?? data.agent?.id ?? "an unknown agent"}
          {data.leaseExpiresAt &&
            `; its lease expires at ${new Date(data.leaseExpiresAt).toLocaleString()}`}
          .
        </p>
      )}
      {data &&
        (data.state === "succeeded" || data.state === "failed" || data.state === "cancelled") && (
          <p className="text-sm">
            {data.state === "succeeded"
              ? "Succeeded"
              : data.state === "failed"
                ? "Failed"
                : "Cancelled"}
            {data.finishedAt && ` at ${new Date(data.finishedAt).toLocaleString()}`}
            {data.cancelReason && ` — ${data.cancelReason}`}.
          </p>
        )}
    </section>
  );
}
