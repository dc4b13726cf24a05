/**
 * Polls `check` until it holds, for state that no event announces (another connection's lock
 * wait, another process's health). Throws, naming `what`, if it does not hold within
 * `timeoutMs`: a guard against a test that hangs, not a timing assertion.
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 5 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
