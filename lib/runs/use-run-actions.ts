"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { usePermissions } from "@/lib/auth/role";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

/**
 * Pause, resume, retry failed and cancel of one run, for the runs list's rows and the run
 * page's header alike. Offered to every role that may submit: orchestrators may operate on
 * their own runs, and whether this one is theirs is the server's call, so a refusal is kept
 * as the server words it. The caller's own action refreshes the run (list, header, timeline,
 * graph) at once rather than wait for its event.
 */
export function useRunActions(runId: string) {
  const { submit } = usePermissions();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const options = (done: string) => ({
    onSuccess: () => {
      setError(null);
      setNotice(done);
      void queryClient.invalidateQueries(trpc.workflows.list.pathFilter());
      for (const queryKey of [
        trpc.workflows.run.queryKey({ id: runId }),
        trpc.workflows.timeline.queryKey({ id: runId }),
        trpc.workflows.get.queryKey({ id: runId }),
      ]) {
        void queryClient.invalidateQueries({ queryKey });
      }
    },
    onError: (e: unknown) => {
      setNotice(null);
      setError(errorMessage(e));
    },
  });
  const cancel = useMutation(trpc.workflows.cancel.mutationOptions(options("Run cancelled.")));
  const retry = useMutation(
    trpc.workflows.retry.mutationOptions(options("Failed tasks queued again.")),
  );
  const pause = useMutation(trpc.workflows.pause.mutationOptions(options("Run paused.")));
  const resume = useMutation(trpc.workflows.resume.mutationOptions(options("Run resumed.")));
  return {
    permitted: submit,
    // Disabled until hydrated: a click on server-rendered HTML would be lost.
    busy: !hydrated || cancel.isPending || retry.isPending || pause.isPending || resume.isPending,
    error,
    notice,
    pause: () => pause.mutate({ id: runId }),
    resume: () => resume.mutate({ id: runId }),
    retry: () => retry.mutate({ id: runId }),
    /** Without a reason the server records its default, "workflow cancelled by request". */
    cancel: (reason?: string) => cancel.mutate({ id: runId, ...(reason ? { reason } : {}) }),
  };
}
