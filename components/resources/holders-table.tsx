import Link from "next/link";
import { AgeSince } from "@/components/time/age-since";
import type { RouterOutputs } from "@/sdk/client";
import { formatAmount } from "./usage-gauge";

type Holder = RouterOutputs["resources"]["list"][number]["holders"][number];

/** Who holds what right now: the open allocations, oldest first within each resource. */
export function HoldersTable({ holders }: { holders: Holder[] }) {
  if (holders.length === 0) {
    return (
      <p className="text-ink-muted" data-testid="holders-empty">
        Nothing is held right now. A running task holds what its <code>requires</code> names (
        <code>{"{ gpu: 1 }"}</code>) until it ends.
      </p>
    );
  }
  return (
    <table className="w-full border-collapse text-left text-sm" data-testid="holders-table">
      <caption className="sr-only">Open allocations</caption>
      <thead className="border-b border-ink-muted/30 text-ink-muted">
        <tr>
          <th scope="col" className="py-2 pr-3">
            Resource
          </th>
          <th scope="col" className="py-2 pr-3">
            Agent
          </th>
          <th scope="col" className="py-2 pr-3">
            Task
          </th>
          <th scope="col" className="py-2 pr-3 text-right">
            Amount
          </th>
          <th scope="col" className="py-2">
            Held for
          </th>
        </tr>
      </thead>
      <tbody>
        {holders.map((holder) => (
          <tr
            key={`${holder.resource}:${holder.taskId}:${holder.leaseEpoch}`}
            data-testid="holder-row"
            data-resource={holder.resource}
            data-task-id={holder.taskId}
            className="border-b border-ink-muted/15"
          >
            <td className="py-2 pr-3 font-mono">{holder.resource}</td>
            <td className="py-2 pr-3 break-all">{holder.agentName ?? holder.agentId}</td>
            <td className="py-2 pr-3 break-all">
              <Link href={`/tasks/${holder.taskId}`} className="text-accent underline">
                {holder.taskName ?? holder.taskId}
              </Link>
            </td>
            <td className="py-2 pr-3 text-right tabular-nums">{formatAmount(holder.amount)}</td>
            <td className="py-2 whitespace-nowrap">
              <AgeSince at={holder.since} title={`since ${holder.since}`} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
