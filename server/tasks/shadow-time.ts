/**
 * Slurm's backfill arithmetic: walk the holders by deadline until the reserved amount is free.
 * That deadline is the shadow time; what is free then beyond the reservation is `extra`.
 */
export function shadowOf(
  free: number,
  need: number,
  nowS: number,
  holders: readonly { amount: number; deadline_s: number | null }[],
): { shadowS: number | null; extra: number } {
  if (free >= need) return { shadowS: nowS, extra: free - need };
  const timed = holders
    .filter((h): h is { amount: number; deadline_s: number } => h.deadline_s !== null)
    .sort((a, b) => a.deadline_s - b.deadline_s);
  let available = free;
  for (let i = 0; i < timed.length; i++) {
    const holder = timed[i];
    if (!holder) break;
    available += holder.amount;
    // Holders ending at the same moment all count for it.
    const next = timed[i + 1];
    if (available >= need && next?.deadline_s !== holder.deadline_s) {
      return { shadowS: Math.max(holder.deadline_s, nowS), extra: available - need };
    }
  }
  return { shadowS: null, extra: 0 };
}
