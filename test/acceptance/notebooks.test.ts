// `cellflow run notebook.ipynb` end to end (the example notebooks are in example-notebooks.test.ts): rerun after a fix
// (counted by side effects), and every bad notebook input with its message — the notebook file untouched.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, errorLines, requireBuiltCli, SLOW, tempDir, type FlowRunJson } from "./helpers.js";

function writeNotebook(dir: string, name: string, cells: Array<{ source: string; tags?: string[]; type?: string }>, language = "typescript"): string {
  const file = path.join(dir, name);
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "cellflow", display_name: "TypeScript (Cellflow)", language }, custom: { keep: "me" } },
    cells: cells.map((c, i) => ({ id: `c${i}`, cell_type: c.type ?? "code", metadata: c.tags ? { tags: c.tags } : {}, source: c.source, ...(c.type === "markdown" ? {} : { outputs: [], execution_count: null }) })),
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

// Each test has its own store and folders: they run concurrently.
describe.concurrent("cellflow run notebook.ipynb", { timeout: SLOW }, () => {
  beforeAll(requireBuiltCli);

  // The example notebooks (each completes offline, outputs beside the notebook, the parameters cell taking -p) are run
  // in example-notebooks.test.ts, whose first run of each checks what this file's own runs of them did.

  it("rerun after a fix executes only the failed task and its dependents; upstream comes back Cached", async () => {
    const home = tempDir("home");
    const dir = tempDir("nb");
    const file = writeNotebook(dir, "three.ipynb", [
      { source: "const limit = 3;", tags: ["parameters"] },
      { source: 'import fs from "node:fs";\nimport { task } from "cellflow";\nconst count = (k: string) => fs.appendFileSync(`${import.meta.dirname}/count-${k}`, "x");' },
      { source: "# three tasks", type: "markdown" },
      {
        source:
          'const first = task("first", (n: number) => { count("first"); return Array.from({ length: n }, (_, i) => i); });\n' +
          'const middle = task("middle", (xs: number[]) => { count("middle"); if (!fs.existsSync(`${import.meta.dirname}/fixed`)) throw new Error("middle broke"); return xs.map((x) => x * 2); });\n' +
          'const last = task("last", (xs: number[]) => { count("last"); return xs.length; });',
      },
      { source: "await last(await middle(await first(limit)))" },
    ]);
    const before = fs.readFileSync(file, "utf8");
    const failed = await cli(["run", file, "--json"], { home, cwd: dir });
    expect(failed.code).toBe(1);
    const run = JSON.parse(failed.stdout) as FlowRunJson;
    expect(run.state.name).toBe("Failed");
    expect(run.state.message).toMatch(/^cell 5: middle broke \(thrown at cell 4, line 2, col \d+: `const middle = task\("middle", /);
    fs.writeFileSync(path.join(dir, "fixed"), "");
    const retried = await cliJson<FlowRunJson>(["runs", "retry", run.id, "--json"], { home, cwd: dir });
    expect(retried.state.name).toBe("Completed");
    expect(retried.attempt).toBe(2);
    expect(retried.taskRuns!.map((t) => [t.name, t.state.name])).toEqual([
      ["first", "Cached"],
      ["middle", "Completed"],
      ["last", "Completed"],
    ]);
    const count = (k: string) => fs.readFileSync(path.join(dir, `count-${k}`), "utf8").length;
    expect([count("first"), count("middle"), count("last")]).toEqual([1, 2, 1]);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it.each([
    ["malformed JSON", (dir: string) => (fs.writeFileSync(path.join(dir, "bad.ipynb"), "{ not json"), path.join(dir, "bad.ipynb")), /bad\.ipynb.*(JSON|json)/],
    ["no cells array", (dir: string) => (fs.writeFileSync(path.join(dir, "bad.ipynb"), JSON.stringify({ nbformat: 4, metadata: {} })), path.join(dir, "bad.ipynb")), /bad\.ipynb.*cells/],
    ["a Python notebook", (dir: string) => writeNotebook(dir, "py.ipynb", [{ source: "print(1)" }], "python"), /py\.ipynb.*python/i],
  ])("refuses %s with a one-line error and leaves the file untouched", async (_what, make, message) => {
    const home = tempDir("home");
    const dir = tempDir("nb");
    const file = make(dir);
    const before = fs.readFileSync(file, "utf8");
    const result = await cli(["run", file], { home, cwd: dir });
    expect(result.code).toBe(2);
    const lines = errorLines(result);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("a syntax error in a cell names the cell, its first line and the place", async () => {
    const home = tempDir("home");
    const dir = tempDir("nb");
    const file = writeNotebook(dir, "syntax.ipynb", [{ source: "const ok = 1;" }, { source: "const broken = (1 +;\nbroken" }]);
    const result = await cli(["run", file, "--json"], { home, cwd: dir });
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as FlowRunJson;
    expect(run.state.message).toMatch(/^cell 2 \(`const broken = \(1 \+;`\), line 1, col \d+: SyntaxError/);
  });
});
