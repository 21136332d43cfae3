// Runs cells through the built CellRuntime in a fresh node (the loader's hooks need a real process).

import { distUrl, runNode } from "../loader/helpers.js";

export interface Outcome {
  ok: boolean;
  value?: unknown;
  hasValue?: boolean;
  sameAsCellflow?: boolean;
  error?: { kind: string; name: string; message: string; cell: number | string; line?: number; column?: number; stack: string; described: string };
}

/** Runs `cells` in order in one runtime rooted at `cwd`; resolves to every outcome and the declarations. */
export async function runCells(cells: string[], cwd: string): Promise<{ outcomes: Outcome[]; declarations: string }> {
  const script = `
    import { CellRuntime } from ${JSON.stringify(distUrl("src/cells/index.js"))};
    const own = await import(${JSON.stringify(distUrl("src/index.js"))});
    const rt = new CellRuntime({ cwd: process.cwd() });
    const outcomes = [];
    for (const [i, code] of ${JSON.stringify(cells)}.entries()) {
      const r = await rt.run(code, i + 1);
      if (r.ok) outcomes.push({ ok: true, value: r.value, hasValue: r.hasValue, sameAsCellflow: r.value === own });
      else outcomes.push({ ok: false, error: { ...r.error, described: r.error.describe() } });
    }
    console.log(JSON.stringify({ outcomes, declarations: rt.declarations() }, (k, v) => v === own ? "<cellflow>" : v));`;
  return runNode(script, cwd);
}
