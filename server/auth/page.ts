import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/server/db";
import type { Principal } from "./roles";
import { authenticateSession, SESSION_COOKIE } from "./sessions";

/**
 * The signed-in browser's principal for a page, or a redirect to the sign-in page. `next` is
 * where sign-in should return to: a layout cannot see the URL, so one that knows its page
 * (the wall) says it, and a screen whose session died comes back to it after signing in.
 */
export async function requirePagePrincipal(options: { next?: string } = {}): Promise<Principal> {
  const secret = (await cookies()).get(SESSION_COOKIE)?.value;
  const principal = secret ? await authenticateSession(getDb(), secret) : null;
  if (!principal) {
    redirect(options.next ? `/sign-in?${new URLSearchParams({ next: options.next })}` : "/sign-in");
  }
  return principal;
}
