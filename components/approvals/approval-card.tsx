"use client";

import Link from "next/link";
import { AgeSince } from "@/components/time/age-since";
import type { ApprovalItem } from "@/lib/approvals/types";
import { ApprovalActions } from "./approval-actions";
import { UpstreamResults } from "./upstream-results";

/** One task waiting for approval: what it is, where it belongs, what to review, the decision. */
export function ApprovalCard({ approval, operate }: { approval: ApprovalItem; operate: boolean }) {
  const headingId = `approval-${approval.taskId}`;
  return (
    <article
      aria-labelledby={headingId}
      data-testid="approval"
      data-task-id={approval.taskId}
      className="flex flex-col gap-3 rounded border border-ink-muted/30 bg-surface-raised p-4"
    >
      <header className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={headingId} className="text-lg font-semibold">
          <Link href={`/tasks/${approval.taskId}`} className="text-accent underline">
            {approval.name}
          </Link>
        </h2>
        <p className="text-sm text-ink-muted">
          {approval.waitingSince ? (
            <>
              waiting for <AgeSince at={approval.waitingSince} />
            </>
          ) : (
            "waiting"
          )}
          {approval.timeoutAt && (
            <>
              {" "}
              · times out at{" "}
              <time dateTime={approval.timeoutAt}>
                {new Date(approval.timeoutAt).toISOString()}
              </time>
            </>
          )}
        </p>
      </header>
      {approval.workflow && (
        <p className="text-sm">
          Workflow{" "}
          <Link href={`/workflows/${approval.workflow.id}`} className="text-accent underline">
            {approval.workflow.name}
          </Link>
        </p>
      )}
      <UpstreamResults upstream={approval.upstream} more={approval.moreUpstream} />
      {operate ? (
        <ApprovalActions taskId={approval.taskId} name={approval.name} />
      ) : (
        <p className="text-sm text-ink-muted">Operators approve or reject it.</p>
      )}
    </article>
  );
}
