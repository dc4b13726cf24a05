"use client";

import { useQuery } from "@tanstack/react-query";
import { useLiveApprovals } from "@/lib/approvals/use-live-approvals";
import { useTRPC } from "@/lib/trpc/client";

/** The header's count of tasks waiting for approval, live; nothing when there are none. */
export function ApprovalsCount() {
  const trpc = useTRPC();
  const count = useQuery(trpc.approvals.count.queryOptions());
  useLiveApprovals();
  const n = count.data?.count ?? 0;
  if (n === 0) return null;
  return (
    <span
      data-testid="approvals-count"
      className="ml-1 rounded-full bg-accent px-1.5 text-xs font-semibold text-white dark:text-slate-950"
    >
      {n}
      <span className="sr-only"> waiting</span>
    </span>
  );
}
