import { isSameOrigin } from "@/server/auth/request";
import { safeNextPath, seeOther, sessionCookie, signIn } from "@/server/auth/sign-in";
import { getDb } from "@/server/db";

export const dynamic = "force-dynamic";

async function respond(req: Request, token: string | null, next: string | null) {
  const session = token ? await signIn(getDb(), token) : null;
  if (!session) {
    const back = new URLSearchParams({ error: "invalid" });
    if (next) back.set("next", safeNextPath(next));
    return seeOther(`/sign-in?${back}`);
  }
  const response = seeOther(safeNextPath(next));
  response.cookies.set(sessionCookie(session, new URL(req.url).protocol === "https:"));
  return response;
}

/** The one-click link printed at first start and used by wall screens: `?token=…&next=/wall`. */
export async function GET(req: Request) {
  const params = new URL(req.url).searchParams;
  return respond(req, params.get("token"), params.get("next"));
}

/** The sign-in form. A cross-site form post is refused so nobody can sign a victim in as them. */
export async function POST(req: Request) {
  if (!isSameOrigin(req.headers, req.url)) {
    return Response.json({ error: "cross-site request refused" }, { status: 403 });
  }
  const form = await req.formData();
  const token = form.get("token");
  const next = form.get("next");
  return respond(
    req,
    typeof token === "string" ? token : null,
    typeof next === "string" ? next : null,
  );
}
