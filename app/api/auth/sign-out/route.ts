import { isSameOrigin, readCookie } from "@/server/auth/request";
import { deleteSession, SESSION_COOKIE } from "@/server/auth/sessions";
import { seeOther, sessionCookie } from "@/server/auth/sign-in";
import { getDb } from "@/server/db";
import { withErrorResponses } from "@/server/http/route-errors";

export const dynamic = "force-dynamic";

export const POST = withErrorResponses("POST /api/auth/sign-out", async (req: Request) => {
  if (!isSameOrigin(req.headers, req.url)) {
    return Response.json({ error: "cross-site request refused" }, { status: 403 });
  }
  const session = readCookie(req.headers, SESSION_COOKIE);
  if (session) await deleteSession(getDb(), session);
  const response = seeOther("/sign-in");
  response.cookies.set(sessionCookie("", new URL(req.url).protocol === "https:"));
  return response;
});
