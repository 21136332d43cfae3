import { describe, expect, it } from "vitest";
import { checkNotebookParameters, declaredParameters, injectParameters, withParameters, type NotebookCell } from "../../src/notebook/index.js";
import { tempProject } from "../loader/helpers.js";
import { runCells } from "../cells/session.js";

const cells: NotebookCell[] = [
  { index: 0, cellType: "markdown", source: "# nb", tags: [] },
  { index: 1, cellType: "code", source: "const size = 10;\nlet months: number[] = [1];", tags: ["parameters"] },
  { index: 2, cellType: "code", source: "[size, months]", tags: [] },
];

describe("injectParameters()", () => {
  it("writes one const line per parameter as JSON, marking names the parameters cell lacks", () => {
    expect(injectParameters(cells[1].source, { size: 50, months: [1, 2], label: "q1" })).toBe(
      '// Parameters injected by cellflow\nconst size = 50;\nconst months = [1,2];\nconst label = "q1"; // not declared in the parameters cell\n',
    );
  });

  it.each([
    [{ "bad-name": 1 }, /^parameter name "bad-name" is not a valid identifier — use letters/],
    [{ f: undefined }, /^parameter "f" has no JSON value — pass a string, number/],
  ])("rejects %j", (params, message) => {
    expect(() => injectParameters("", params)).toThrow(message);
  });
});

describe("withParameters()", () => {
  it("inserts the injected cell right after the parameters cell", () => {
    const out = withParameters(cells, { size: 3 });
    expect(out.map((c) => c.index)).toEqual([0, 1, -1, 2]);
    expect(out[2].tags).toEqual(["injected-parameters"]);
  });

  it("puts it first when no cell is tagged, and changes nothing without parameters", () => {
    const untagged = cells.map((c) => ({ ...c, tags: [] }));
    expect(withParameters(untagged, { size: 3 })[0].index).toBe(-1);
    expect(withParameters(cells, {})).toBe(cells);
  });

  it("the injected cell overrides the parameters cell when run by the cell runtime", async () => {
    const run = withParameters(cells, { size: 50, months: [1, 2] }).filter((c) => c.cellType === "code");
    const { outcomes } = await runCells(run.map((c) => c.source), tempProject({}));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(outcomes[2].value).toEqual([50, [1, 2]]);
  });
});

describe("strict notebook parameter names", () => {
  it("the parameters cell's top-level declarations are the known names", () => {
    expect(declaredParameters('const a = 1, b = "x"; // two\nlet months: number[] = [1];\nvar flag = true;\nfunction notOne() { const inner = 1; }')).toEqual(["a", "b", "months", "flag"]);
  });

  it("refuses an unknown name with the known ones and the closest; accepts known names and no parameters", () => {
    expect(() => checkNotebookParameters("/x/etl.ipynb", cells, { sise: 5 })).toThrow("unknown parameter 'sise' for notebook etl; known: size, months — did you mean 'size'?");
    expect(() => checkNotebookParameters("/x/etl.ipynb", cells, { size: 5, months: [2] })).not.toThrow();
    expect(() => checkNotebookParameters("/x/etl.ipynb", [cells[0]], {})).not.toThrow();
    expect(() => checkNotebookParameters("/x/etl.ipynb", [cells[0], cells[2]], { size: 5 })).toThrow(`unknown parameter 'size' for notebook etl (it has no cell tagged "parameters"); it takes no parameters`);
  });
});
