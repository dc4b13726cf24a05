import { type NextRequest, NextResponse } from "next/server";

// Must match SESSION_COOKIE in server/auth/sessions.ts; the proxy imports no server modules.
const SESSION_COOKIE = "tm_session";

/**
 * Page-level routing only: sends signed-out browsers to the sign-in page, and turns a
 * `?token=` link on any page into a sign-in that lands back on that page without the token in
 * the address bar. It checks only that a cookie is present; the pages and the API verify it
 * against the database (a proxy is not a security boundary).
 */
export function proxy(request: NextRequest) {
  const url = request.nextUrl;
  const token = url.searchParams.get("token");
  if (token) {
    const next = url.clone();
    next.searchParams.delete("token");
    const params = new URLSearchParams({ token, next: `${next.pathname}${next.search}` });
    return redirect(request, `/api/auth/sign-in?${params}`);
  }
  if (url.pathname !== "/sign-in" && !request.cookies.has(SESSION_COOKIE)) {
    const params = new URLSearchParams({ next: `${url.pathname}${url.search}` });
    return redirect(request, `/sign-in?${params}`);
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
