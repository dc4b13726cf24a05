"use client";

import { createContext, type ReactNode, useContext } from "react";

const BaseUrlContext = createContext<string>("http://127.0.0.1:3000");

/** This server's base URL as the browser reached it (server/http/base-url.ts), for snippets. */
export function BaseUrlProvider({ baseUrl, children }: { baseUrl: string; children: ReactNode }) {
  return <BaseUrlContext.Provider value={baseUrl}>{children}</BaseUrlContext.Provider>;
}

export function useBaseUrl(): string {
  return useContext(BaseUrlContext);
}
