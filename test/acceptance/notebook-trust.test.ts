// Through the CLI: `cellflow run --typecheck` refuses a notebook with a type error before anything runs, naming
// cell, line and column; a flow called inside a flow shows its own task runs nested in `runs show` and `--json`.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, cliJson, errorLines, requireBuiltCli, SLOW, tempDir, type FlowRunJson, type TaskRunJson } from "./helpers.js";

requireBuiltCli();

function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "cellflow", display_name: "TypeScript (Cellflow)", language: "typescript" } },
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
  });
}

describe("cellflow run --typecheck", { timeout: SLOW }, () => {
  const dir = tempDir("typecheck");
  const home = tempDir("typecheck-home");
  const file = path.join(dir, "typed.ipynb");
  fs.writeFileSync(
    file,
    notebook([
      'import fs from "node:fs";\nconst marker = "ran.txt";',
      'fs.writeFileSync(marker, "yes");\nconst size: number = "big";',
    ]),
  );

  it("exits 2 with one line naming the cell, line and column, and runs nothing", async () => {
    const r = await cli(["run", "--typecheck", file], { home, cwd: dir });
    expect(r.code).toBe(2);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/typed\.ipynb has 1 type error: cell 2, line 2, col 7: Type 'string' is not assignable to type 'number'\. \(TS2322\)/);
    expect(fs.existsSync(path.join(dir, "ran.txt"))).toBe(false);
    expect(await cliJson<unknown[]>(["runs", "ls"], { home })).toEqual([]);
  });

  it("without --typecheck the same notebook runs", async () => {
    const r = await cli(["run", file], { home, cwd: dir });
    expect(r.code).toBe(0);
  });
});

describe("nested DAGs in runs show", { timeout: SLOW }, () => {
  const dir = tempDir("nested");
  const home = tempDir("nested-home");
  const file = path.join(dir, "nested.ts");
  fs.writeFileSync(
    file,
    `import { flow, task } from "cellflow";
const extract = task("extract", () => [1, 2, 3]);
const load = task("load", (rows: number[]) => rows.length);
const etl = flow("etl", async () => load(await extract()));
const report = task("report", (n: number) => \`loaded \${n}\`);
export const outer = flow("outer", async () => report(await etl()));
`,
  );

  it("runs show --json nests the subflow's task runs under its node; the text view indents them", async () => {
    const run = await cliJson<FlowRunJson>(["run", `${file}:outer`], { home, cwd: dir });
    expect(run.state.name).toBe("Completed");
    type Node = TaskRunJson & { taskRuns?: TaskRunJson[]; subflowRun?: { flowName: string } };
    const shown = await cliJson<{ taskRuns: Node[] }>(["runs", "show", run.id], { home });
    const etl = shown.taskRuns.find((t) => t.name === "etl");
    expect(etl?.subflowRun?.flowName).toBe("etl");
    expect(etl?.taskRuns?.map((t) => [t.name, t.state.name])).toEqual([["extract", "Completed"], ["load", "Completed"]]);
    const text = await cli(["runs", "show", run.id], { home });
    expect(text.stdout).toMatch(/✓ etl\s+Completed[^\n]*\n\s+\d ✓ └ extract\s+Completed[^\n]*\n\s+\d ✓ └ load\s+Completed/);
    expect(text.stdout).toMatch(/✓ report\s+Completed/);
  });
});
