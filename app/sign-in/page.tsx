import type { Metadata } from "next";
import { safeNextPath } from "@/server/auth/next-path";
import { currentPagePrincipal } from "@/server/auth/page";
import { describeToken } from "@/server/auth/tokens";
import { getDb } from "@/server/db";
import { ConfirmSignIn } from "./confirm-sign-in";
import { SignInForm } from "./sign-in-form";

// The address may hold a token: no Referer leaves for another site. proxy.ts sends the header
// too; server/auth/token-page-headers.ts says why not no-referrer.
export const metadata: Metadata = { title: "Sign in · Task Manager", referrer: "same-origin" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The sign-in form, or, for a link that carries a token (`?token=…`, the first start's link, a
 * wall screen's), a confirmation naming the token: a link from anywhere must not sign a
 * browser in, or replace its session, without the visitor's click.
 */
export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const next = safeNextPath(first(params.next));
  const token = first(params.token)?.trim();
  if (token) {
    const [offered, current] = await Promise.all([
      describeToken(getDb(), token),
      currentPagePrincipal(),
    ]);
    if (offered) {
      return <ConfirmSignIn token={token} offered={offered} current={current} next={next} />;
    }
    return <SignInForm next={next} error="link" />;
  }
  return <SignInForm next={next} error={first(params.error) === "invalid" ? "token" : null} />;
}
