import type { Role } from "@/server/auth/roles";

/** The top bar: the instance's configured name, who is signed in, and sign-out. */
export function AppHeader({ instanceName, role }: { instanceName: string; role: Role }) {
  return (
    <header className="border-b border-ink-muted/20 bg-surface-raised">
      <div className="mx-auto flex max-w-7xl items-center justify-between gap-4 px-6 py-3">
        <span className="text-lg font-semibold">{instanceName}</span>
        <div className="flex items-center gap-4 text-sm">
          <span data-testid="signed-in-role">
            Signed in as <strong>{role}</strong>
          </span>
          <form method="post" action="/api/auth/sign-out">
            <button type="submit" className="rounded border border-ink-muted/40 px-2 py-1">
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}
