"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { SchedulesGuide } from "@/components/guide/schedules-guide";
import { usePermissions } from "@/lib/auth/role";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useSchedulesLive } from "@/lib/schedules/use-schedules-live";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import { ScheduleCard } from "./schedule-card";
import { ScheduleForm } from "./schedule-form";

/** The most schedules the page lists (the API's page limit). */
const LIST_LIMIT = 500;

type Editing = { mode: "closed" } | { mode: "new" } | { mode: "edit"; id: string };

/**
 * Every schedule by name, with its coming and latest fires, live from the event stream; a form
 * to create or edit one for those who may.
 */
export function SchedulesView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const { submit: canCreate } = usePermissions();
  const [editing, setEditing] = useState<Editing>({ mode: "closed" });
  const list = useQuery(trpc.schedules.list.queryOptions({ limit: LIST_LIMIT }));
  useSchedulesLive();
  // What was cached by an earlier visit is refreshed once the live stream is listening.
  useEffect(() => {
    void queryClient.invalidateQueries(trpc.schedules.list.pathFilter());
  }, [queryClient, trpc]);

  const items = list.data?.items ?? [];
  const edited = editing.mode === "edit" ? items.find((s) => s.id === editing.id) : undefined;
  const close = () => setEditing({ mode: "closed" });

  return (
    <div className="flex flex-col gap-4">
      {canCreate && editing.mode === "closed" && (
        <button
          type="button"
          disabled={!hydrated}
          onClick={() => setEditing({ mode: "new" })}
          className="self-start rounded bg-accent px-3 py-1.5 text-sm font-medium text-white hover:opacity-90 disabled:opacity-60 dark:text-slate-950"
        >
          New schedule
        </button>
      )}
      {editing.mode === "new" && <ScheduleForm schedule={null} onClose={close} />}
      {edited && <ScheduleForm key={edited.id} schedule={edited} onClose={close} />}
      {list.isPending ? (
        <p className="text-ink-muted">Loading schedules…</p>
      ) : list.isError ? (
        <p role="alert" className="text-danger">
          Could not load schedules: {errorMessage(list.error)}
        </p>
      ) : items.length === 0 ? (
        editing.mode === "closed" && <SchedulesGuide canCreate={canCreate} />
      ) : (
        <>
          <ul className="flex flex-col gap-3" data-testid="schedules-list">
            {items.map((schedule) => (
              <ScheduleCard
                key={schedule.id}
                schedule={schedule}
                onEdit={() => setEditing({ mode: "edit", id: schedule.id })}
              />
            ))}
          </ul>
          {list.data.nextAfterName !== null && (
            <p className="text-sm text-ink-muted">Showing the first {LIST_LIMIT} by name.</p>
          )}
        </>
      )}
    </div>
  );
}
