import Link from "next/link";
import type { Role } from "@/server/auth/roles";
import { ForgetTokenInAddress } from "./forget-token-in-address";

interface ConfirmSignInProps {
  /** The link's token: it travels on in the form's body, not in another address. */
  token: string;
  offered: { id: string; name: string; role: Role };
  /** Who this browser is signed in as now, if anyone. */
  current: { tokenId: string; tokenName: string; role: Role } | null;
  next: string;
}

/**
 * What a sign-in link shows: whose token it is, and who is signed in now. Only the button
 * (a same-origin POST) signs in; nothing submits the form on its own.
 */
export function ConfirmSignIn({ token, offered, current, next }: ConfirmSignInProps) {
  const same = current?.tokenId === offered.id;
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-6 p-6">
      <ForgetTokenInAddress />
      <h1 className="text-2xl font-semibold">Sign in to Task Manager</h1>
      <p data-testid="sign-in-offer">
        This link signs this browser in with the token <strong>{offered.name}</strong>, role{" "}
        <strong>{offered.role}</strong>.
      </p>
      {current && (
        <p data-testid="sign-in-current" role="status" className="text-sm text-ink-muted">
          {same ? (
            <>This browser is already signed in with this token.</>
          ) : (
            <>
              This browser is signed in now as <strong>{current.tokenName}</strong>, role{" "}
              <strong>{current.role}</strong>. Signing in ends that session.
            </>
          )}
        </p>
      )}
      <form method="post" action="/api/auth/sign-in" className="flex gap-3">
        <input type="hidden" name="token" value={token} />
        <input type="hidden" name="next" value={next} />
        <button
          type="submit"
          className="rounded bg-accent px-3 py-2 font-medium text-white hover:opacity-90"
        >
          Sign in
        </button>
        <Link href={current ? "/" : "/sign-in"} className="px-3 py-2 text-accent underline">
          Cancel
        </Link>
      </form>
    </main>
  );
}
