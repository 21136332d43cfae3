// Notebooks executed by a real Jupyter client (nbclient, as `jupyter nbconvert --execute`) on the Cellflow kernel:
// acceptance scenario 5 (live DAG, %rerun after a fix) and every example notebook in notebooks/.

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, jupyterEnv, KERNEL_NAME, ROOT, runPython, type JupyterEnv } from "./harness.js";

const { python, skip } = findPython();
const NBCONVERT = "/usr/bin/jupyter-nbconvert";
const CLI = join(ROOT, "dist", "src", "cli", "main.js");

interface Executed {
  error: string | null;
  /** What the kernel and nbclient wrote to stderr: a dead kernel's last words are here. */
  stderr: string;
  cells: Array<{ outputs: Array<{ type: string; text: string; html: string }> }>;
}

function notebook(cells: Array<{ source: string; tags?: string[] }>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (Cellflow)", language: "typescript" } },
    cells: cells.map((c, i) => ({ id: `c${i}`, cell_type: "code", metadata: { tags: c.tags ?? [] }, source: c.source, outputs: [], execution_count: null })),
  });
}

describe.skipIf(!python)(`notebooks on the Cellflow kernel${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let jupyter: JupyterEnv;
  let home: string;
  beforeAll(async () => {
    jupyter = await jupyterEnv();
    home = mkdtempSync(join(tmpdir(), "cellflow-nb-home-"));
  });
  afterAll(() => jupyter?.cleanup());

  async function execute(file: string, cwd: string): Promise<Executed> {
    const env = { ...jupyter.env, CELLFLOW_HOME: home };
    const result = await runPython(python!, ["execute_notebook.py", file, KERNEL_NAME, cwd], env, 180_000);
    const last = result.stdout.trim().split("\n").at(-1) ?? "";
    if (result.code !== 0 || !last.startsWith("{")) throw new Error(`nbclient failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    return { ...(JSON.parse(last) as Omit<Executed, "stderr">), stderr: result.stderr };
  }

  it("scenario 5: a failing cell shows a live DAG, and %rerun after the fix re-executes only what failed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cellflow-s5-"));
    const file = join(dir, "s5.ipynb");
    writeFileSync(
      file,
      notebook([
        { source: 'import fs from "node:fs";\nimport { task } from "cellflow";\nconst count = (k: string) => fs.appendFileSync(`count-${k}`, "x");\nlet broken = true;' },
        {
          source:
            'const extract = task("extract", () => { count("extract"); return [1, 2, 3]; });\n' +
            'const transform = task("transform", (rows: number[]) => { count("transform"); if (broken) throw new Error("transform is broken"); return rows.map((r) => r * 10); });\n' +
            'const load = task("load", (rows: number[]) => { count("load"); return rows.length; });',
        },
        { source: "const loaded = await load(await transform(await extract()));\nloaded", tags: ["raises-exception"] },
        { source: "broken = false;" },
        { source: "%rerun" },
        { source: "%runs" },
      ]),
    );
    const out = await execute(file, dir);
    expect(out.error, out.stderr).toBeNull();
    const failing = out.cells[2].outputs;
    const dag = failing.find((o) => o.type === "display_data");
    expect(dag?.text).toMatch(/✗ transform\s+Failed/);
    expect(dag?.html).toContain("transform");
    expect(failing.find((o) => o.type === "error")?.text).toContain("transform is broken");
    const rerun = out.cells[4].outputs.find((o) => o.type === "display_data");
    expect(rerun?.text).toMatch(/◆ extract\s+Cached/);
    expect(rerun?.text).toMatch(/✓ transform\s+Completed/);
    expect(rerun?.text).toMatch(/✓ load\s+Completed/);
    expect(rerun?.text).toContain("attempt 2");
    // Counted by side effects: extract ran once in all, transform twice (failed, then fixed), load once.
    const count = (k: string) => readFileSync(join(dir, `count-${k}`), "utf8").length;
    expect([count("extract"), count("transform"), count("load")]).toEqual([1, 2, 1]);
    expect(out.cells[5].outputs[0].text).toMatch(/Completed/);
  });

  it.skipIf(!existsSync(NBCONVERT))("`jupyter nbconvert --execute` names the notebook's runs after it (nbconvert gives the kernel no name)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cellflow-nbconvert-"));
    const runsHome = mkdtempSync(join(tmpdir(), "cellflow-nbconvert-home-"));
    writeFileSync(join(dir, "sales-report.ipynb"), notebook([{ source: 'import { task } from "cellflow";\nconst total = task("total", () => 42);\nawait total()' }]));
    const env = { ...jupyter.env, CELLFLOW_HOME: runsHome };
    const convert = () => spawnSync(NBCONVERT, ["--to", "notebook", "--execute", "sales-report.ipynb", "--output", "executed.ipynb"], { cwd: dir, env, encoding: "utf8", timeout: 180_000 });
    let converted = convert();
    // nbconvert picks the kernel's ports itself: once more if another process took one first (see py/kernel_start.py).
    if (converted.status !== 0 && converted.stderr.includes("Address already in use")) converted = convert();
    expect(converted.status, converted.stderr).toBe(0);
    const listed = spawnSync(process.execPath, [CLI, "runs", "ls", "--json"], { cwd: dir, env, encoding: "utf8" });
    const runs = JSON.parse(listed.stdout) as Array<{ flowName: string; state: { name: string } }>;
    expect(runs.map((r) => [r.flowName, r.state.name])).toEqual([["sales-report", "Completed"]]);
  });

  it.each(["etl-complaints", "taxi-ingest", "daily-backup"])("example notebook %s runs end to end", async (name) => {
    const dir = mkdtempSync(join(tmpdir(), `cellflow-${name}-`));
    cpSync(join(ROOT, "notebooks"), dir, { recursive: true });
    // The notebooks import npm packages (better-sqlite3) as they would in a project that installed them.
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    const file = join(dir, `${name}.ipynb`);
    const nb = JSON.parse(readFileSync(file, "utf8"));
    nb.metadata.kernelspec.name = KERNEL_NAME;
    writeFileSync(file, JSON.stringify(nb));
    const out = await execute(file, dir);
    expect(out.error, out.stderr).toBeNull();
    const texts = out.cells.flatMap((c) => c.outputs.map((o) => o.text)).join("\n");
    expect(texts).not.toMatch(/Failed|Error:/);
    expect(texts).toMatch(/✓/);
    expect(existsSync(join(dir, "out"))).toBe(true);
  });
});
