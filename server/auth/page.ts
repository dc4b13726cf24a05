import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/server/db";
import type { Principal } from "./roles";
import { authenticateSession, SESSION_COOKIE } from "./sessions";

/**
 * The signed-in browser's principal, or null. Cached per request: a layout and its page both
 * ask (Next renders them in parallel, and an RSC request may render the page alone), and one
 * database round trip answers both.
 */
export const currentPagePrincipal = cache(async (): Promise<Principal | null> => {
  const secret = (await cookies()).get(SESSION_COOKIE)?.value;
  return secret ? authenticateSession(getDb(), secret) : null;
});

/**
 * The signed-in browser's principal for a page, or a redirect to the sign-in page. Every page
 * that reads data calls it before its first query, not only its layout: the layout's check
 * does not run first, nor at all for a request that fetches the page's payload alone.
 * `next` is where sign-in should return to: a layout cannot see the URL, so one that knows its
 * page (the wall) says it, and a screen whose session died comes back to it after signing in.
 */
export async function requirePagePrincipal(options: { next?: string } = {}): Promise<Principal> {
  const principal = await currentPagePrincipal();
  if (!principal) {
    redirect(options.next ? `/sign-in?${new URLSearchParams({ next: options.next })}` : "/sign-in");
  }
  return principal;
}
