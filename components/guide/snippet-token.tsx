"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { usePermissions } from "@/lib/auth/role";
import { TOKEN_PLACEHOLDER } from "@/lib/guide/snippets";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useTRPC } from "@/lib/trpc/client";

export type SnippetRole = "orchestrator" | "agent" | "operator";

/**
 * The token the snippets carry. An admin may create one from here: its secret exists only in
 * this page's memory and is shown once, inside the snippets. Anyone else gets the
 * `$TM_TOKEN` placeholder and is told whom to ask: no secret is ever put in their page.
 */
export function useSnippetToken(role: SnippetRole) {
  const { role: signedIn } = usePermissions();
  const trpc = useTRPC();
  const hydrated = useHydrated();
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation(
    trpc.tokens.create.mutationOptions({ onSuccess: (created) => setSecret(created.secret) }),
  );
  const isAdmin = signedIn === "admin";

  const control = isAdmin ? (
    <div className="flex flex-col gap-1 text-sm" data-testid={`snippet-token-${role}`}>
      {secret === null ? (
        <div className="flex flex-wrap items-center gap-2">
          <button
            type="button"
            className="rounded border border-accent px-2 py-1 text-accent hover:bg-accent/10 disabled:opacity-60"
            disabled={!hydrated || create.isPending}
            onClick={() =>
              create.mutate({ name: `${role} (from the ${snippetPage()} page)`, role })
            }
          >
            Create an {role} token for these snippets
          </button>
          <span className="text-ink-muted">
            or set <code>{TOKEN_PLACEHOLDER}</code> to one you have.
          </span>
        </div>
      ) : (
        <p role="status">
          A new {role} token is in the snippets below. It is shown only this once: copy it now (it
          is stored hashed; revoke it with <code>tokens.revoke</code>).
        </p>
      )}
      {create.error ? (
        <p role="alert" className="text-danger">
          Could not create a token: {create.error.message}
        </p>
      ) : null}
    </div>
  ) : (
    <p className="text-sm text-ink-muted" data-testid={`snippet-token-${role}`}>
      The snippets read the token from <code>{TOKEN_PLACEHOLDER}</code>: ask an admin for an {role}{" "}
      token.
    </p>
  );
  return { token: secret, control };
}

function snippetPage(): string {
  const path = typeof window === "undefined" ? "/" : window.location.pathname;
  return path === "/" ? "board" : path.slice(1);
}
