import { getHeapStatistics } from "node:v8";

/**
 * The Next server's old-space limit, in MB: just under 2 GiB. V8 lets the old generation grow
 * to up to 4× its live size between full collections when this limit is 2 GiB or more (its
 * "device with lots of memory" heuristic; Node's default is a quarter of the machine's memory,
 * 4 GiB on 16 GiB), and to about 2× below it. The server's live heap is ~100 MB, so the default
 * kept hundreds of MB of garbage resident after a busy minute (bench: 313 MB RSS after a
 * throughput run, 233 MB with this limit, throughput unchanged within the noise); 2,000 MB still
 * leaves twenty times the live heap as headroom.
 */
export const SERVER_MAX_OLD_SPACE_MB = 2000;

const HEAP_SIZE_FLAG = /(^|\s)--max[-_]old[-_]space[-_]size(=|\s|$)/;

/**
 * NODE_OPTIONS for the Next server: `current` plus `--max-old-space-size` (above), unless it
 * sets the heap size already (the operator's choice wins) or this machine's default limit is
 * not above ours (a small machine or container: never raise its limit).
 */
export function serverNodeOptions(
  current: string | undefined,
  defaultLimitMb = getHeapStatistics().heap_size_limit / (1024 * 1024),
): string | undefined {
  if (current && HEAP_SIZE_FLAG.test(current)) return current;
  if (defaultLimitMb <= SERVER_MAX_OLD_SPACE_MB) return current;
  const flag = `--max-old-space-size=${SERVER_MAX_OLD_SPACE_MB}`;
  return current?.trim() ? `${current} ${flag}` : flag;
}
