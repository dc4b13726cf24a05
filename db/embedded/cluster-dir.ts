import path from "node:path";
import { EmbeddedPostgresError } from "./errors";
import type { RunAs } from "./os-user";
import { canReach } from "./reach";

/**
 * How PostgreSQL's programs are told where a cluster directory is:
 * - `path`: by its path, the normal way;
 * - `working-directory`: when the `postgres` user cannot reach that path (we are root in a
 *   folder other users cannot enter, such as /root or a `mktemp -d`), they are started in the
 *   directory and given `/proc/self/cwd`. Node changes to a child's working directory while
 *   still root, before it switches user, and that magic link leads there without search
 *   permission on the folders above. The postmaster's own chdir into its data directory is
 *   then a no-op, and the backends it forks inherit the directory. The user's folders keep
 *   their permissions.
 */
export type ClusterDirAccess = "path" | "working-directory";

/**
 * Set on a postmaster started the working-directory way, to the cluster's real path. Its
 * command line names no directory then (`-D /proc/self/cwd`), and root cannot read its working
 * directory without CAP_SYS_PTRACE (which Docker does not give): this is how a later start
 * still tells its own orphaned postmaster from another cluster's. PostgreSQL keeps a setting
 * with a dotted name as a placeholder and ignores it.
 */
export const CLUSTER_DIR_SETTING = "task_manager.cluster_dir";

/** The access for cluster directories made inside `parentDir`. */
export async function clusterDirAccess(runAs: RunAs, parentDir: string): Promise<ClusterDirAccess> {
  if (await canReach(runAs, parentDir)) return "path";
  if (process.platform !== "linux") {
    throw new EmbeddedPostgresError(
      `the "postgres" user that runs PostgreSQL cannot enter ${parentDir}; set TM_DATA_DIR to a folder other users can enter`,
    );
  }
  return "working-directory";
}

/** The working directory to start a program in, and the data directory to name to it. */
export function pointAt(
  dir: string,
  access: ClusterDirAccess,
): { cwd: string; dataDirArgument: string } {
  return access === "path"
    ? // The postgres user may not be allowed into the launcher's working directory.
      { cwd: path.dirname(dir), dataDirArgument: dir }
    : { cwd: dir, dataDirArgument: "/proc/self/cwd" };
}
