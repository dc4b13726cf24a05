import { type NextRequest, NextResponse } from "next/server";
// Constants only: the proxy imports nothing that reaches the database.
import { setTokenPageHeaders } from "@/server/auth/token-page-headers";

// Must match SESSION_COOKIE in server/auth/sessions.ts.
const SESSION_COOKIE = "tm_session";
const SIGN_IN = "/sign-in";

/**
 * Page-level routing only: sends signed-out browsers to the sign-in page, and turns a
 * `?token=` link on any page into the sign-in confirmation, which lands back on that page
 * after the visitor's click. It checks only that a cookie is present; the pages and the API
 * verify it against the database (a proxy is not a security boundary).
 */
export function proxy(request: NextRequest) {
  const url = request.nextUrl;
  if (url.pathname === SIGN_IN) {
    const response = NextResponse.next();
    setTokenPageHeaders(response.headers);
    return response;
  }
  const token = url.searchParams.get("token");
  if (token) {
    const next = url.clone();
    next.searchParams.delete("token");
    const params = new URLSearchParams({ token, next: `${next.pathname}${next.search}` });
    const response = redirect(request, `${SIGN_IN}?${params}`);
    setTokenPageHeaders(response.headers);
    return response;
  }
  if (!request.cookies.has(SESSION_COOKIE)) {
    const params = new URLSearchParams({ next: `${url.pathname}${url.search}` });
    return redirect(request, `${SIGN_IN}?${params}`);
  }
  return NextResponse.next();
}

/**
 * On the host the browser used (its Host header): Next's own URLs may say `localhost`, and a
 * redirect there would lose the session cookie. Proxy redirects must be absolute.
 */
function redirect(request: NextRequest, path: string) {
  const host = request.headers.get("host") ?? request.nextUrl.host;
  return NextResponse.redirect(new URL(path, `${request.nextUrl.protocol}//${host}`), 303);
}

export const config = {
  // Pages only: API routes answer 401 themselves, and static assets need no session.
  matcher: ["/((?!api/|_next/|favicon\\.ico|.*\\.(?:png|svg|ico|txt|webmanifest)$).*)"],
};
