"use client";

import { useEffect } from "react";

/**
 * Takes the token out of the address bar and out of this history entry once the page is
 * shown: the form holds it now, and an address is copied, synced and shown over a shoulder.
 */
export function ForgetTokenInAddress() {
  useEffect(() => {
    const url = new URL(window.location.href);
    if (!url.searchParams.has("token")) return;
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url);
  }, []);
  return null;
}
