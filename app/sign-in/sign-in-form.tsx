const ERRORS = {
  token: "That token is not valid: it may be mistyped, expired or revoked.",
  link: "The token in that sign-in link is not valid: it may be expired or revoked.",
} as const;

/** A plain form (no client JS): the route handler sets the session cookie and redirects. */
export function SignInForm({ next, error }: { next: string; error: keyof typeof ERRORS | null }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-6 p-6">
      <h1 className="text-2xl font-semibold">Sign in to Task Manager</h1>
      <form method="post" action="/api/auth/sign-in" className="flex flex-col gap-3">
        <input type="hidden" name="next" value={next} />
        <label htmlFor="token" className="font-medium">
          API token
        </label>
        <input
          id="token"
          name="token"
          type="password"
          required
          autoComplete="off"
          aria-describedby={error ? "sign-in-error" : "token-help"}
          className="rounded border border-ink-muted/40 bg-surface-raised px-3 py-2"
        />
        <p id="token-help" className="text-sm text-ink-muted">
          Paste a token an administrator gave you. The first start prints an admin sign-in link.
        </p>
        {error && (
          <p
            id="sign-in-error"
            data-testid="sign-in-error"
            role="alert"
            className="text-sm text-danger"
          >
            {ERRORS[error]}
          </p>
        )}
        <button
          type="submit"
          className="rounded bg-accent px-3 py-2 font-medium text-white hover:opacity-90"
        >
          Sign in
        </button>
      </form>
    </main>
  );
}
