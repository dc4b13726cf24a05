import Link from "next/link";
import { formatPercent } from "@/lib/format/percent";
import type { OverviewResult } from "./types";

/** Pools by the share of their capacity held now; each links to the resources page. */
export function BusiestPools({ pools }: { pools: OverviewResult["pools"] }) {
  if (pools.length === 0) {
    return (
      <p className="text-sm text-ink-muted">
        No pools: declare them under <code>resources.pools</code> in task-manager.yaml.
      </p>
    );
  }
  return (
    <ul className="flex flex-col gap-2 text-sm" data-testid="busiest-pools">
      {pools.map((pool) => (
        <li key={pool.name} className="flex flex-col gap-1">
          <div className="flex justify-between gap-2">
            <Link href="/resources" className="break-all text-accent underline">
              {pool.name}
            </Link>
            <span className="tabular-nums">
              {pool.held} / {pool.capacity} ({formatPercent(pool.ratio)})
            </span>
          </div>
          <div className="h-1.5 rounded bg-ink/10" aria-hidden="true">
            <div
              className="h-1.5 rounded bg-accent"
              style={{ width: `${Math.min(100, pool.ratio * 100)}%` }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}
