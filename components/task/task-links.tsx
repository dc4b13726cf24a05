"use client";

import { useQueries } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/lib/trpc/client";
import { isNotFound } from "@/lib/trpc/errors";
import { StateBadge } from "./state-badge";

/** More than this many edges are listed by id only, without a lookup each. */
const NAMED_LIMIT = 50;

/** Upstream or downstream tasks as links, with each one's name and state. */
export function TaskLinks({ title, ids, empty }: { title: string; ids: string[]; empty: string }) {
  const trpc = useTRPC();
  const named = ids.slice(0, NAMED_LIMIT);
  const lookups = useQueries({
    queries: named.map((id) => ({ ...trpc.tasks.get.queryOptions({ id }), retry: false })),
  });
  return (
    <section aria-labelledby={`${title}-heading`} className="flex flex-col gap-2">
      <h2 id={`${title}-heading`} className="text-lg font-semibold">
        {title} <span className="text-sm font-normal text-ink-muted">({ids.length})</span>
      </h2>
      {ids.length === 0 ? (
        <p className="text-sm text-ink-muted">{empty}</p>
      ) : (
        <ul className="flex flex-col gap-1 text-sm">
          {ids.map((id, index) => {
            const lookup = index < NAMED_LIMIT ? lookups[index] : undefined;
            const task = lookup?.data;
            return (
              <li key={id} className="flex flex-wrap items-center gap-2">
                <Link href={`/tasks/${id}`} className="text-accent underline underline-offset-2">
                  {task?.name ?? id}
                </Link>
                {task && <StateBadge state={task.state} className="text-xs" />}
                {lookup?.isError && (
                  <span className="text-xs text-ink-muted">
                    {isNotFound(lookup.error) ? "(deleted)" : "(could not load)"}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
