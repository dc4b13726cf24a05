import { readdirSync, readFileSync } from "node:fs";
import postgres from "postgres";

/**
 * CPU time of the server and of PostgreSQL (every process of its cluster), read from /proc:
 * on a machine shared with other work a drain's wall time swings with the load, while the CPU
 * it costs per task stays put, which makes it the steadier A/B figure. Linux only: elsewhere
 * every reading is NaN.
 */
export async function cpuMeter(postgresUrl: string, serverPid: number | undefined) {
  const postmaster = await postmasterPid(postgresUrl);
  const read = () => ({
    server: serverPid === undefined ? Number.NaN : processCpuMs(serverPid, false),
    postgres: postmaster === undefined ? Number.NaN : clusterCpuMs(postmaster),
  });
  const before = read();
  return () => {
    const after = read();
    return { serverMs: after.server - before.server, postgresMs: after.postgres - before.postgres };
  };
}

async function postmasterPid(url: string): Promise<number | undefined> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    return row ? statFields(row.pid)?.ppid : undefined;
  } finally {
    await sql.end();
  }
}

/** The postmaster with its exited children (cutime), and every live child of it. */
function clusterCpuMs(postmaster: number): number {
  let total = processCpuMs(postmaster, true);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields?.ppid === postmaster) total += fields.cpuMs;
  }
  return total;
}

function processCpuMs(pid: number, withExitedChildren: boolean): number {
  const fields = statFields(pid);
  if (!fields) return Number.NaN;
  return fields.cpuMs + (withExitedChildren ? fields.childrenCpuMs : 0);
}

/** Clock ticks are 100 a second on Linux (USER_HZ). */
const TICK_MS = 10;

function statFields(pid: number) {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // After the parenthesised command name: state, ppid, … utime (12th), stime, cutime, cstime.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (index: number) => Number(rest[index]);
  return {
    ppid: field(1),
    cpuMs: (field(11) + field(12)) * TICK_MS,
    childrenCpuMs: (field(13) + field(14)) * TICK_MS,
  };
}
