"use client";

import { useQuery } from "@tanstack/react-query";
import { useLiveApprovals } from "@/lib/approvals/use-live-approvals";
import { usePermissions } from "@/lib/auth/role";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import { ApprovalCard } from "./approval-card";

/**
 * The Approvals page: every task waiting for the `approval` signal, longest waiting first,
 * live. Operators approve or reject; everyone else reads.
 */
export function ApprovalsView() {
  const trpc = useTRPC();
  const { operate } = usePermissions();
  const approvals = useQuery(trpc.approvals.list.queryOptions({}));
  useLiveApprovals();

  if (approvals.isPending) return <p className="text-ink-muted">Loading approvals…</p>;
  if (approvals.isError) {
    return (
      <p role="alert" className="text-danger">
        Could not load approvals: {errorMessage(approvals.error)}
      </p>
    );
  }
  const { items, total } = approvals.data;
  if (items.length === 0) {
    return (
      <div data-testid="approvals-empty" className="flex flex-col gap-2 text-sm">
        <p>No task is waiting for an approval.</p>
        <p className="text-ink-muted">
          A task whose spec says <code>{`"waitFor": {"signal": "approval"}`}</code> shows up here
          once its upstream tasks are done; approving it makes the comment its result and lets the
          next tasks run.
        </p>
      </div>
    );
  }
  return (
    <div className="flex flex-col gap-4">
      {total > items.length && (
        <p className="text-sm text-ink-muted">
          Showing the {items.length} waiting longest of {total}.
        </p>
      )}
      <ul className="flex flex-col gap-4" aria-label="Waiting for approval">
        {items.map((item) => (
          <li key={item.taskId}>
            <ApprovalCard approval={item} operate={operate} />
          </li>
        ))}
      </ul>
    </div>
  );
}
