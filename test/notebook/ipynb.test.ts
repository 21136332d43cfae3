import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CellflowError } from "../../src/core/errors.js";
import { appendCodeCells, parseNotebook, readNotebook, updateNotebook } from "../../src/notebook/index.js";
import { writeAtomically } from "../../src/notebook/ipynb.js";
import { tempProject } from "../loader/helpers.js";

const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "cellflow", display_name: "Cellflow (TypeScript)", language: "typescript" }, custom: { keep: [1, 2] } },
  cells: [
    { cell_type: "markdown", id: "m1", metadata: {}, source: ["# ETL\n", "notes"] },
    { cell_type: "code", id: "p1", metadata: { tags: ["parameters"] }, execution_count: 1, outputs: [], source: ["const size = 10;\n", "const db = \"x.db\";"] },
    { cell_type: "code", id: "c1", metadata: { collapsed: true }, execution_count: 2, source: "size * 2", outputs: [{ output_type: "execute_result", data: { "text/plain": "20" }, metadata: {}, execution_count: 2 }] },
  ],
};

function write(content: unknown): string {
  const dir = tempProject({ "nb.ipynb": typeof content === "string" ? content : JSON.stringify(content, null, 1) });
  return join(dir, "nb.ipynb");
}

describe("readNotebook()", () => {
  it("returns cells with index, joined source, type and tags, and the kernel language", () => {
    const nb = readNotebook(write(notebook));
    expect(nb.language).toBe("typescript");
    expect(nb.cells).toEqual([
      { index: 0, cellType: "markdown", source: "# ETL\nnotes", tags: [] },
      { index: 1, cellType: "code", source: 'const size = 10;\nconst db = "x.db";', tags: ["parameters"] },
      { index: 2, cellType: "code", source: "size * 2", tags: [] },
    ]);
  });

  it.each([
    ["ts", "ts"],
    ["JavaScript", "javascript"],
  ])("accepts kernel language %s", (language, expected) => {
    expect(parseNotebook(JSON.stringify({ ...notebook, metadata: { kernelspec: { language } } }), "nb.ipynb").language).toBe(expected);
  });

  it("takes language_info when there is no kernelspec, and TypeScript when neither is set", () => {
    expect(parseNotebook(JSON.stringify({ ...notebook, metadata: { language_info: { name: "typescript" } } }), "a.ipynb").language).toBe("typescript");
    expect(parseNotebook(JSON.stringify({ cells: [] }), "a.ipynb").language).toBe("typescript");
  });
});

describe("bad notebooks give one NOTEBOOK error naming the file and the fix", () => {
  const bad: [string, string, RegExp][] = [
    ["malformed JSON", '{"cells": [', /^nb\.ipynb is not valid JSON \(.+\) — fix the file or save it again from Jupyter$/],
    ["not an object", "[1, 2]", /^nb\.ipynb is not a notebook \(expected a JSON object\) — pass an \.ipynb file saved by Jupyter$/],
    ["no cells array", JSON.stringify({ nbformat: 4, metadata: {} }), /^nb\.ipynb has no "cells" array — save it again from Jupyter as an nbformat 4 notebook$/],
    ["nbformat 3", JSON.stringify({ nbformat: 3, cells: [] }), /^nb\.ipynb is nbformat 3; Cellflow reads nbformat 4 — convert it: jupyter nbconvert --to notebook --nbformat 4$/],
    ["a python kernel", JSON.stringify({ ...notebook, metadata: { kernelspec: { language: "python" } } }), /^nb\.ipynb is a python notebook; Cellflow runs TypeScript cells — pick a TypeScript notebook, or set its kernel to Cellflow \(TypeScript\) in Jupyter$/],
    ["a cell without cell_type", JSON.stringify({ cells: [{ source: "x" }] }), /^nb\.ipynb: cell 0 has no valid cell_type \(code, markdown or raw\) — fix the cell/],
    ["a cell with a bad source", JSON.stringify({ cells: [{ cell_type: "code", source: 3 }] }), /^nb\.ipynb: cell 0 has no source \(a string or a list of strings\) — fix the cell/],
  ];
  it.each(bad)("%s", (_what, content, message) => {
    const path = write(content);
    const run = () => parseNotebook(content, join(process.cwd(), "nb.ipynb"));
    expect(run).toThrow(CellflowError);
    expect(run).toThrow(message);
    expect(() => readNotebook(path)).toThrow(/nb\.ipynb/);
    try {
      run();
    } catch (error) {
      expect((error as CellflowError).code).toBe("NOTEBOOK");
    }
  });

  it("a missing file", () => {
    expect(() => readNotebook(join(process.cwd(), "missing.ipynb"))).toThrow(/^cannot read missing\.ipynb: file not found — check the path and run again$/);
  });
});

describe("updateNotebook() writes back only what changed, atomically", () => {
  it("replaces a cell's source and outputs and keeps every other cell, output and metadata", () => {
    const path = write(notebook);
    updateNotebook(path, [{ index: 1, source: "const size = 50;\nconst db = \"y.db\";\n" }, { index: 2, outputs: [] }]);
    const after = JSON.parse(readFileSync(path, "utf8"));
    const expected = structuredClone(notebook) as any;
    expected.cells[1].source = ["const size = 50;\n", 'const db = "y.db";\n'];
    expected.cells[2].outputs = [];
    expect(after).toEqual(expected);
    expect(readdirSync(join(path, "..")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("keeps outputs when only the source changes", () => {
    const path = write(notebook);
    updateNotebook(path, [{ index: 2, source: "size * 3" }]);
    const after = JSON.parse(readFileSync(path, "utf8"));
    expect(after.cells[2].outputs).toEqual(notebook.cells[2].outputs);
    expect(after.cells[2].source).toEqual(["size * 3"]);
  });

  it("refuses an index past the end and leaves the file untouched", () => {
    const path = write(notebook);
    const before = readFileSync(path, "utf8");
    expect(() => updateNotebook(path, [{ index: 9, source: "x" }])).toThrow(/nb\.ipynb has no cell 9 \(it has 3\) — re-read the notebook before writing/);
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("a failed write removes its temp file and leaves the target as it was", () => {
    const dir = tempProject({ "target.ipynb/inside": "x" }); // a folder where the notebook should go: rename fails
    const target = join(dir, "target.ipynb");
    expect(() => writeAtomically(target, "{}")).toThrow(/^cannot write .*target\.ipynb: .* — check the folder is writable$/);
    expect(readdirSync(dir)).toEqual(["target.ipynb"]);
    expect(readFileSync(join(target, "inside"), "utf8")).toBe("x");
  });
});

describe("notebooks Cellflow writes are nbformat 4.5 with cell ids", () => {
  const ID = /^[A-Za-z0-9_-]{1,64}$/;

  it("an nbformat 4.4 notebook without ids gets unique ids and minor 5 when written back; existing ids stay", () => {
    const old = { ...structuredClone(notebook), nbformat_minor: 4 } as any;
    delete old.cells[0].id;
    delete old.cells[2].id;
    const path = write(old);
    updateNotebook(path, [{ index: 1, source: "const size = 11;" }]);
    const after = JSON.parse(readFileSync(path, "utf8"));
    expect([after.nbformat, after.nbformat_minor]).toEqual([4, 5]);
    const ids = after.cells.map((c: { id: string }) => c.id);
    expect(ids.every((id: string) => ID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(3);
    expect(ids[1]).toBe("p1");
  });

  it("appended cells and a new notebook have ids", () => {
    const dir = tempProject({});
    const path = join(dir, "new.ipynb");
    appendCodeCells(path, ["const a = 1;", "a + 1"]);
    appendCodeCells(path, ["a + 2"]);
    const after = JSON.parse(readFileSync(path, "utf8"));
    expect([after.nbformat, after.nbformat_minor]).toEqual([4, 5]);
    const ids = after.cells.map((c: { id: string }) => c.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id: string) => ID.test(id))).toBe(true);
  });

  it("the example notebooks are nbformat 4.5 with unique cell ids", () => {
    const dir = fileURLToPath(new URL("../../notebooks", import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith(".ipynb"));
    expect(files.length).toBe(3);
    for (const file of files) {
      const nb = JSON.parse(readFileSync(join(dir, file), "utf8"));
      expect([file, nb.nbformat, nb.nbformat_minor]).toEqual([file, 4, 5]);
      const ids = nb.cells.map((c: { id?: string }) => c.id);
      expect(ids.every((id: string | undefined) => id !== undefined && ID.test(id)), file).toBe(true);
      expect(new Set(ids).size, file).toBe(ids.length);
    }
  });
});
