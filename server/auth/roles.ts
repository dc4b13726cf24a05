import { roleEnum } from "@/db/schema/auth";

/** The roles of docs/architecture.md "Auth", from the schema's enum so the two cannot drift. */
export const roles = roleEnum.enumValues;
export type Role = (typeof roles)[number];

/** Who is calling: the result of authenticating a request. */
export interface Principal {
  tokenId: string;
  tokenName: string;
  role: Role;
  /** `session` means a browser cookie: such mutations must pass the same-origin check. */
  via: "bearer" | "session";
}
