"use client";

import type { ReactNode } from "react";
import { useConnection } from "@/lib/live/live-events";
import { AlertTicker } from "./alert-ticker";
import { HeadlinePanel } from "./headline-panel";
import { PoolGauges } from "./pool-gauges";
import { StaleBanner } from "./stale-banner";
import { useRotation } from "./use-rotation";
import { useWallStaleness } from "./use-wall-staleness";
import { WorkflowGraphs } from "./workflow-graphs";

export interface WallScreenProps {
  instanceName: string;
  /** All panels at once (`?layout=grid`), or one at a time. */
  layout: "grid" | "rotate";
  rotateMs: number;
  /** `alert_thresholds.resource_usage`, marked on each pool's gauge. */
  usageThreshold: number;
}

/**
 * The wall: no navigation and no controls, sized to the viewport (type scales with it, so a
 * 4K screen shows the same layout twice as large) and never scrolling. The headline figures
 * stay on top; below them the other panels either share the screen or take turns.
 */
export function WallScreen({ instanceName, layout, rotateMs, usageThreshold }: WallScreenProps) {
  const connection = useConnection();
  const staleness = useWallStaleness();
  const panels: { key: string; title: string; node: ReactNode }[] = [
    { key: "alerts", title: "Alerts", node: <AlertTicker /> },
    { key: "pools", title: "Pools", node: <PoolGauges threshold={usageThreshold} /> },
    {
      key: "workflows",
      title: "Workflows",
      node: <WorkflowGraphs columns={layout === "grid" ? 2 : 3} />,
    },
  ];
  const current = useRotation(panels.length, layout === "rotate" ? rotateMs : null);

  return (
    <div
      data-testid="wall"
      data-status={connection.status}
      data-layout={layout}
      // Forced dark whatever the saved theme: a wall is watched from afar, often in dim rooms.
      className="dark fixed inset-0 overflow-hidden bg-surface text-ink"
      style={{ fontSize: "min(1.45vw, 2.6vh)" }}
    >
      <div className="flex h-full flex-col gap-[0.5em] p-[0.6em]">
        <header className="flex items-center gap-[1em]">
          <h1 className="shrink-0 text-[1.1em] font-semibold">{instanceName}</h1>
          <div className="min-w-0 flex-1">
            <StaleBanner staleSince={staleness.staleSince} connecting={staleness.connecting} />
          </div>
          {layout === "rotate" ? (
            <p className="shrink-0 text-ink-muted" data-testid="wall-rotation">
              {panels[current]?.title} · {current + 1} / {panels.length}
            </p>
          ) : null}
          <p className="shrink-0" data-testid="wall-live">
            {staleness.staleSince === null && !staleness.connecting ? (
              <span className="text-emerald-300">
                <span aria-hidden="true">●</span> Live
              </span>
            ) : (
              <span className="text-amber-300">
                <span aria-hidden="true">○</span> Not live
              </span>
            )}
          </p>
        </header>
        <div className="shrink-0">
          <HeadlinePanel />
        </div>
        {layout === "grid" ? (
          <main className="grid min-h-0 flex-1 grid-cols-[2fr_3fr] grid-rows-2 gap-[0.5em]">
            <div className="grid min-h-0">{panels[0]?.node}</div>
            <div className="row-span-2 grid min-h-0">{panels[2]?.node}</div>
            <div className="grid min-h-0">{panels[1]?.node}</div>
          </main>
        ) : (
          // One panel at a time has the room for larger type.
          <main className="grid min-h-0 flex-1 text-[1.25em]">
            {panels.map((panel, index) => (
              // Every panel stays mounted, so its data keeps up while it is not on screen.
              <div
                key={panel.key}
                hidden={index !== current}
                data-testid={`wall-slot-${panel.key}`}
                className="col-start-1 row-start-1 grid min-h-0"
              >
                {panel.node}
              </div>
            ))}
          </main>
        )}
      </div>
    </div>
  );
}
