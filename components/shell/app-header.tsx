import Link from "next/link";
import type { Role } from "@/server/auth/roles";
import { ConnectionIndicator } from "./connection-indicator";
import { NavLinks } from "./nav-links";
import { ThemeToggle } from "./theme-toggle";

/** The top bar: the instance's name, the pages, the stream's state, who is signed in. */
export function AppHeader({ instanceName, role }: { instanceName: string; role: Role }) {
  return (
    <header className="border-b border-ink-muted/20 bg-surface-raised">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-6 py-3">
        <div className="flex flex-wrap items-center gap-6">
          <span className="text-lg font-semibold">{instanceName}</span>
          <NavLinks />
        </div>
        <div className="flex flex-wrap items-center gap-4 text-sm">
          <ConnectionIndicator />
          <Link href="/docs/api" className="text-accent underline" data-testid="api-docs-link">
            API docs
          </Link>
          <span data-testid="signed-in-role">
            Signed in as <strong>{role}</strong>
          </span>
          <ThemeToggle />
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
