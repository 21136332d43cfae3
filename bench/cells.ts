// Cell runtime benchmarks: latency of a trivial cell, a 50-cell notebook's overhead beyond its own
// work, and a million-row map in a cell against the same loop outside the runtime.

import os from "node:os";
import { CellRuntime } from "../src/cells/index.js";

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function mustRun(rt: CellRuntime, code: string, id: string): Promise<unknown> {
  const outcome = await rt.run(code, id);
  if (!outcome.ok) throw new Error(`bench cell ${id} failed: ${outcome.error.describe()}`);
  return outcome.value;
}

/** p50 of trivial (distinct, so nothing is cached) cells after warm-up. */
async function trivialCellP50(rt: CellRuntime): Promise<number> {
  for (let i = 0; i < 50; i++) await mustRun(rt, `const warm = ${i}; warm + 1`, `w${i}`);
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const start = performance.now();
    await mustRun(rt, `${i} + 1`, `t${i}`);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** A 50-cell notebook (half with TypeScript annotations) minus the same work run directly. */
async function fiftyCellOverhead(rt: CellRuntime): Promise<number> {
  const work = "let s = 0; for (let k = 0; k < 200000; k++) s += k % 7;";
  await mustRun(rt, `function work(): number { ${work} return s }`, "work");
  const cells = Array.from({ length: 50 }, (_, i) =>
    i % 2 ? `const r${i}: number = work();\nr${i}` : `const r${i} = work()\nr${i}`,
  );
  const direct = new Function(`${work} return s`) as () => number;
  const runs: number[] = [];
  for (let round = 0; round < 3; round++) {
    let start = performance.now();
    for (const [i, code] of cells.entries()) await mustRun(rt, code, `n${round}-${i}`);
    const total = performance.now() - start;
    start = performance.now();
    for (let i = 0; i < 50; i++) direct();
    runs.push(total - (performance.now() - start));
  }
  return median(runs);
}

/**
 * Mapping 1,000,000 rows built in an earlier cell vs the same map outside the runtime. A cell is
 * always freshly compiled code, so the fair baseline is the same source freshly compiled outside
 * (`new Function`), run interleaved; `warm` compares with a loop V8 has already optimized.
 */
async function mapMillionRows(rt: CellRuntime): Promise<{ fresh: number; warm: number }> {
  const map = "rows.map((r) => ({ id: r.id, v2: r.v * 2 }))";
  await mustRun(rt, "const rows = Array.from({ length: 1_000_000 }, (_, i) => ({ id: i, v: i % 100 }))", "rows");
  const rows = Array.from({ length: 1_000_000 }, (_, i) => ({ id: i, v: i % 100 }));
  const inCell: number[] = [];
  const fresh: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < 9; round++) {
    let start = performance.now();
    await mustRun(rt, `const mapped = ${map};\nmapped.length // ${round}`, `map${round}`);
    inCell.push(performance.now() - start);
    start = performance.now();
    let kept = (new Function("rows", `const mapped = ${map};\nreturn mapped // ${round}`) as (r: unknown) => unknown[])(rows);
    fresh.push(performance.now() - start);
    start = performance.now();
    kept = rows.map((r) => ({ id: r.id, v2: r.v * 2 }));
    warm.push(performance.now() - start + (kept.length ? 0 : 1));
  }
  return { fresh: median(inCell) / median(fresh), warm: median(inCell) / median(warm) };
}

/** The numbers `npm run bench` prints for the cell runtime. */
export async function benchCells(): Promise<Record<string, number>> {
  const rt = new CellRuntime({ cwd: os.tmpdir() });
  const round = (n: number, digits = 2) => Number(n.toFixed(digits));
  return {
    trivialCellP50Ms: round(await trivialCellP50(rt), 3),
    fiftyCellOverheadMs: round(await fiftyCellOverhead(rt), 1),
    ...(await mapMillionRows(rt).then((r) => ({ mapMillionRowsRatio: round(r.fresh), mapMillionRowsWarmRatio: round(r.warm) })))
  };
}
