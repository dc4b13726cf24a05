import { spawn } from "node:child_process";
import type { RunAs } from "./os-user";

/**
 * Whether PostgreSQL's user can search (a folder) or execute (a file) `target`, which also
 * needs search permission on every folder above it. Asked of the kernel by running `test -x`
 * as that user, in exactly the way our spawns set it (no supplementary groups), rather than
 * re-deriving permissions from modes, ACLs and mount options ourselves.
 */
export async function canReach(runAs: RunAs, target: string): Promise<boolean> {
  if (!("uid" in runAs)) return true;
  return new Promise((resolve) => {
    const child = spawn("test", ["-x", target], { ...runAs, cwd: "/", stdio: "ignore" });
    // No `test` at all: assume the worst, which only costs the workaround.
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
  });
}
