// Waiting and summing up in the benchmarks (percentiles of what they timed).

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 10 ms until it returns a value; throws naming `bench` after `timeoutMs`. */
export async function until<T>(bench: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`bench ${bench}: gave up waiting`);
    await sleep(10);
  }
}

/** The p-th percentile of `xs` (nearest rank), rounded to `digits` decimals. */
export function percentile(xs: number[], p: number, digits = 0): number {
  const s = [...xs].sort((a, b) => a - b);
  const scale = 10 ** digits;
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * scale) / scale;
}
