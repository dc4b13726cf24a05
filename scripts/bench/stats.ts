/** Printing and summarising for the benchmark: `name: value unit` figures, `# ` progress. */

export function log(message: string): void {
  process.stdout.write(`# ${message}\n`);
}

/** One figure per line, `name: value unit`, as the peer harness prints them. */
export function figure(name: string, value: number, unit: string): void {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  process.stdout.write(
    `${name}: ${Number.isFinite(value) ? value.toFixed(digits) : "NaN"} ${unit}\n`,
  );
}

/** Nearest-rank quantile of unsorted numbers; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** min/p50/p90/p99/max, rounded to 0.01 ms, for a `# ` detail line. */
export function summary(values: readonly number[]) {
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    n: values.length,
    min: round(quantile(values, 0)),
    p50: round(quantile(values, 0.5)),
    p90: round(quantile(values, 0.9)),
    p99: round(quantile(values, 0.99)),
    max: round(quantile(values, 1)),
  };
}

export const now = () => performance.timeOrigin + performance.now();

/**
 * A fetch that records how long each tRPC procedure's calls take (to the full body), so a
 * slow run shows which round trip the time goes to.
 */
export function timedFetch() {
  const timings = new Map<string, number[]>();
  const fetcher: typeof fetch = async (input, init) => {
    const started = now();
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const procedure = new URL(url).pathname.split("/").pop() ?? "?";
    const list = timings.get(procedure) ?? [];
    list.push(now() - started);
    timings.set(procedure, list);
    return new Response(body, response);
  };
  const report = () =>
    Object.fromEntries([...timings].map(([procedure, values]) => [procedure, summary(values)]));
  return { fetch: fetcher, report, reset: () => timings.clear() };
}
