// Runs cells through the built CellRuntime in a fresh node (the loader's hooks need a real process).

import { distUrl, runNode } from "../loader/helpers.js";

export interface Outcome {
  ok: boolean;
  value?: unknown;
  hasValue?: boolean;
  sameAsCellflow?: boolean;
  error?: { kind: string; name: string; message: string; cell: number | string; line?: number; column?: number; stack: string; described: string };
}

export interface CellsResult {
  outcomes: Outcome[];
  declarations: string;
}

/** Runs `cells` in order in one runtime rooted at `cwd`; resolves to every outcome and the declarations. */
export async function runCells(cells: string[], cwd: string): Promise<CellsResult> {
  return (await runCellCases([cells], cwd))[0];
}

/**
 * Runs each case's cells in a runtime of its own, every case in one child node: the runtime (and TypeScript)
 * loads once for the whole table instead of once per case.
 */
export async function runCellCases(cases: string[][], cwd: string): Promise<CellsResult[]> {
  const script = `
    import { CellRuntime } from ${JSON.stringify(distUrl("src/cells/index.js"))};
    const own = await import(${JSON.stringify(distUrl("src/index.js"))});
    const results = [];
    for (const cells of ${JSON.stringify(cases)}) {
      const rt = new CellRuntime({ cwd: process.cwd() });
      const outcomes = [];
      for (const [i, code] of cells.entries()) {
        const r = await rt.run(code, i + 1);
        if (r.ok) outcomes.push({ ok: true, value: r.value, hasValue: r.hasValue, sameAsCellflow: r.value === own });
        else outcomes.push({ ok: false, error: { ...r.error, described: r.error.describe() } });
      }
      results.push({ outcomes, declarations: rt.declarations() });
    }
    console.log(JSON.stringify(results, (k, v) => v === own ? "<cellflow>" : v));`;
  return runNode(script, cwd, 30_000 + 5_000 * cases.length);
}
