"use client";

import { createContext, type ReactNode, useContext } from "react";
import type { Role } from "@/server/auth/roles";

const RoleContext = createContext<Role | null>(null);

/** The signed-in role, from the server-verified session (app/(app)/layout.tsx). */
export function RoleProvider({ role, children }: { role: Role; children: ReactNode }) {
  return <RoleContext.Provider value={role}>{children}</RoleContext.Provider>;
}

/**
 * What the signed-in role may do, for deciding which controls to SHOW. The server enforces
 * the same rules on every call (server/api/trpc.ts); hiding a control is a courtesy.
 */
export function usePermissions() {
  const role = useContext(RoleContext);
  return {
    role,
    /** Cancel, retry, change priority, drain agents, acknowledge and resolve alerts. */
    operate: role === "operator" || role === "admin",
    /** Submit tasks and workflows. */
    submit: role === "orchestrator" || role === "operator" || role === "admin",
  };
}
