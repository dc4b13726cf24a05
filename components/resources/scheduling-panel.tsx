import Link from "next/link";
import { AgeSince } from "@/components/time/age-since";
import type { RouterOutputs } from "@/sdk/client";
import { formatAmount } from "./usage-gauge";

type Scheduling = RouterOutputs["resources"]["scheduling"];

/**
 * What claims hold back now: each reservation, a pool's or an agent-scoped resource's on one
 * agent (README "Scheduling"), and each
 * concurrency key with work, its running count against its limit.
 */
export function SchedulingPanel({ state }: { state: Scheduling }) {
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <section aria-labelledby="reservations-heading" className="flex flex-col gap-2">
        <h3 id="reservations-heading" className="text-lg font-semibold">
          Reservations
        </h3>
        {state.reservations.length === 0 ? (
          <p className="text-sm text-ink-muted" data-testid="reservations-empty">
            Nothing is reserved. A task that waits longer than{" "}
            <code>scheduling.reserve_after_s</code> for a pool amount (or an agent-scoped amount no
            agent has free) reserves it: freed capacity then goes to it first.
          </p>
        ) : (
          <ul className="flex flex-col gap-2 text-sm">
            {state.reservations.map((r) => (
              <li
                key={r.pool}
                data-testid="reservation"
                data-pool={r.pool}
                data-agent-id={r.agent?.id}
                data-task-id={r.taskId}
                className="rounded border border-ink-muted/30 p-2"
              >
                <span className="font-mono">{r.pool}</span>
                {r.agent ? (
                  <>
                    {" "}
                    on agent{" "}
                    <span className="font-mono" title={r.agent.id}>
                      {r.agent.name}
                    </span>
                  </>
                ) : null}
                : {formatAmount(r.amount)} reserved for{" "}
                <Link href={`/tasks/${r.taskId}`} className="text-accent underline">
                  {r.taskName}
                </Link>{" "}
                for <AgeSince at={r.since} title={`since ${r.since}`} />, {formatAmount(r.free)}{" "}
                free
                {r.sureBy ? (
                  <span className="text-ink-muted"> · sure to fit by {r.sureBy}</span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="concurrency-heading" className="flex flex-col gap-2">
        <h3 id="concurrency-heading" className="text-lg font-semibold">
          Concurrency keys
        </h3>
        {state.concurrencyKeys.length === 0 ? (
          <p className="text-sm text-ink-muted" data-testid="concurrency-empty">
            No task with a concurrency key is queued or running. A task's{" "}
            <code>{'concurrency: { key: "customer-42", limit: 2 }'}</code> caps how many with that
            key run at once.
          </p>
        ) : (
          <table
            className="w-full border-collapse text-left text-sm"
            data-testid="concurrency-keys"
          >
            <caption className="sr-only">Concurrency keys with queued or running tasks</caption>
            <thead className="border-b border-ink-muted/30 text-ink-muted">
              <tr>
                <th scope="col" className="py-2 pr-3">
                  Key
                </th>
                <th scope="col" className="py-2 pr-3 text-right">
                  Running / limit
                </th>
                <th scope="col" className="py-2 pr-3 text-right">
                  Queued
                </th>
                <th scope="col" className="py-2">
                  Running tasks
                </th>
              </tr>
            </thead>
            <tbody>
              {state.concurrencyKeys.map((k) => (
                <tr
                  key={k.key}
                  data-testid="concurrency-key"
                  data-key={k.key}
                  className="border-b border-ink-muted/15"
                >
                  <td className="py-2 pr-3 font-mono break-all">{k.key}</td>
                  <td className="py-2 pr-3 text-right tabular-nums" data-testid="key-usage">
                    {k.running} / {k.limit}
                  </td>
                  <td className="py-2 pr-3 text-right tabular-nums">{k.queued}</td>
                  <td className="py-2 break-all">
                    {k.holders.map((task, index) => (
                      <span key={task.id}>
                        {index > 0 ? ", " : ""}
                        <Link href={`/tasks/${task.id}`} className="text-accent underline">
                          {task.name}
                        </Link>
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
