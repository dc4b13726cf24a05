import { isSameOrigin, readCookie } from "@/server/auth/request";
import { deleteSession, SESSION_COOKIE } from "@/server/auth/sessions";
import { seeOther, sessionCookie } from "@/server/auth/sign-in";
import { getDb } from "@/server/db";

export const dynamic = "force-dynamic";

export async function POST(req: Request) {
  if (!isSameOrigin(req.headers, req.url)) {
    return Response.json({ error: "cross-site request refused" }, { status: 403 });
  }
  const session = readCookie(req.headers, SESSION_COOKIE);
  if (session) await deleteSession(getDb(), session);
  const response = seeOther("/sign-in");
  response.cookies.set(sessionCookie("", new URL(req.url).protocol === "https:"));
  return response;
}
