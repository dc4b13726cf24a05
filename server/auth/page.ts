import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/server/db";
import type { Principal } from "./roles";
import { authenticateSession, SESSION_COOKIE } from "./sessions";

/** The signed-in browser's principal for a page, or a redirect to the sign-in page. */
export async function requirePagePrincipal(): Promise<Principal> {
  const secret = (await cookies()).get(SESSION_COOKIE)?.value;
  const principal = secret ? await authenticateSession(getDb(), secret) : null;
  if (!principal) redirect("/sign-in");
  return principal;
}
