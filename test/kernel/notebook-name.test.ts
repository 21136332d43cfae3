// Which notebook a kernel runs (its runs are named after it): JPY_SESSION_NAME, else the notebook on the command line
// of the process that started it (nbconvert, jupyter execute, papermill), read from a /proc laid out by the test.

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { notebookArguments, notebookName } from "../../kernel/notebook-name.js";

/** A folder with notebooks, and a fake /proc where pid 4242 ran `argv` from `cwd`. */
function starter(argv: string[], options: { notebooks?: string[]; cwd?: string } = {}): { dir: string; proc: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), "cellflow-nbname-"));
  const dir = join(root, "work");
  mkdirSync(join(dir, "sub"), { recursive: true });
  for (const nb of options.notebooks ?? []) writeFileSync(join(dir, nb), "{}");
  const proc = join(root, "proc");
  mkdirSync(join(proc, "4242"), { recursive: true });
  writeFileSync(join(proc, "4242", "cmdline"), `${argv.join("\0")}\0`);
  symlinkSync(options.cwd ?? dir, join(proc, "4242", "cwd"));
  return { dir, proc, env: { JPY_PARENT_PID: "4242" } };
}

describe("notebookName()", () => {
  it("takes JPY_SESSION_NAME first (Jupyter Server sets it to the notebook's path)", () => {
    expect(notebookName("/nowhere", { JPY_SESSION_NAME: "reports/daily sales.ipynb" })).toBe("daily sales");
  });

  const cases: Array<[string, string[], string[], string | undefined]> = [
    ["jupyter nbconvert --execute", ["/usr/bin/python3", "/usr/bin/jupyter-nbconvert", "--to", "notebook", "--execute", "etl.ipynb"], ["etl.ipynb"], "etl"],
    ["--output naming an existing notebook", ["python3", "/usr/bin/jupyter-nbconvert", "--execute", "--to", "notebook", "etl.ipynb", "--output", "done.ipynb"], ["etl.ipynb", "done.ipynb"], "etl"],
    ["a path relative to the starter's folder", ["python3", "/usr/bin/jupyter-nbconvert", "--execute", "./etl.ipynb"], ["etl.ipynb"], "etl"],
    ["papermill's output notebook", ["python3", "/usr/local/bin/papermill", "in.ipynb", "out.ipynb"], ["in.ipynb", "out.ipynb"], "in"],
    ["several notebooks of the kernel's folder (unknown which)", ["python3", "/usr/bin/jupyter-nbconvert", "--execute", "a.ipynb", "b.ipynb"], ["a.ipynb", "b.ipynb"], undefined],
    ["a notebook that does not exist", ["python3", "/usr/bin/jupyter-nbconvert", "--execute", "gone.ipynb"], [], undefined],
    ["no notebook (jupyter console)", ["python3", "/usr/bin/jupyter-console", "--kernel", "cellflow"], [], undefined],
  ];
  it.each(cases)("%s", (_what, argv, notebooks, expected) => {
    const { dir, proc, env } = starter(argv, { notebooks });
    expect(notebookName(dir, env, proc)).toBe(expected);
  });

  it("prefers the notebook in the kernel's folder when the command names notebooks of several folders", () => {
    const { dir, proc, env } = starter(["python3", "/usr/bin/jupyter-nbconvert", "--execute", "top.ipynb", "sub/inner.ipynb"], { notebooks: ["top.ipynb", "sub/inner.ipynb"] });
    expect(notebookName(join(dir, "sub"), env, proc)).toBe("inner");
    expect(notebookName(dir, env, proc)).toBe("top");
  });

  it("is undefined where the starter's command line cannot be read (no /proc)", () => {
    const { dir, env } = starter([]);
    expect(notebookName(dir, env, join(dir, "no-proc"))).toBeUndefined();
  });
});

describe("notebookArguments()", () => {
  it("skips the program, flags and the values of --output/--output-dir", () => {
    expect(notebookArguments(["jupyter-nbconvert", "--output-dir", "x.ipynb", "--execute", "a.ipynb", "--output", "b.ipynb", "c.ipynb"])).toEqual(["a.ipynb", "c.ipynb"]);
  });
});
