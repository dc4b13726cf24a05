import { hasControlCharacter, safeNextPath } from "@/server/auth/next-path";
import { isSameOrigin, readCookie } from "@/server/auth/request";
import { deleteSession, SESSION_COOKIE } from "@/server/auth/sessions";
import { seeOther, sessionCookie, signIn } from "@/server/auth/sign-in";
import { setTokenPageHeaders } from "@/server/auth/token-page-headers";
import { getDb } from "@/server/db";
import { withErrorResponses } from "@/server/http/route-errors";

export const dynamic = "force-dynamic";

/**
 * The one-click link of older first starts (`?token=…&next=…`). A GET never signs in: any
 * site can make a browser send one (login CSRF). It hands the token to the confirmation page,
 * where the visitor sees whose session it is and signs in with a same-origin POST.
 */
export async function GET(req: Request) {
  const params = new URL(req.url).searchParams;
  const token = params.get("token");
  const confirm = new URLSearchParams({ next: safeNextPath(params.get("next")) });
  if (token) confirm.set("token", token);
  const response = seeOther(`/sign-in?${confirm}`);
  setTokenPageHeaders(response.headers);
  return response;
}

/**
 * The sign-in form and the confirmation page. A cross-site form post is refused so nobody can
 * sign a victim in as them. A session the browser already has is ended: the visitor has just
 * chosen to replace it.
 */
export const POST = withErrorResponses("POST /api/auth/sign-in", async (req: Request) => {
  if (!isSameOrigin(req.headers, req.url)) {
    return Response.json({ error: "cross-site request refused" }, { status: 403 });
  }
  const form = await req.formData().catch(() => null);
  const token = form?.get("token");
  const next = form?.get("next");
  // Checked before any session is written: a Location header cannot carry them.
  if (typeof next === "string" && hasControlCharacter(next)) {
    return Response.json({ error: "next must be a path on this site" }, { status: 400 });
  }
  const target = safeNextPath(typeof next === "string" ? next : null);
  const db = getDb();
  const session = typeof token === "string" && token ? await signIn(db, token) : null;
  if (!session) {
    return seeOther(`/sign-in?${new URLSearchParams({ error: "invalid", next: target })}`);
  }
  const previous = readCookie(req.headers, SESSION_COOKIE);
  if (previous) await deleteSession(db, previous);
  const response = seeOther(target);
  response.cookies.set(sessionCookie(session, new URL(req.url).protocol === "https:"));
  return response;
});
