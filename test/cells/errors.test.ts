import { beforeAll, describe, expect, it } from "vitest";
import { tempProject, withNodeModules } from "../loader/helpers.js";
import { runCellCases, runCells, type CellsResult, type Outcome } from "./session.js";

let dir: string;
beforeAll(() => {
  dir = withNodeModules(tempProject({}));
});

type Expected = Partial<NonNullable<Outcome["error"]>>;

// Each row: cells → the error of the last one: kind, name, place in the cell, one-line describe().
const errorRules: [string, string[], Expected][] = [
  ["a syntax error names the cell's line and column", ["const a = 1;\nlet b = (;"], {
    kind: "syntax", name: "SyntaxError", cell: 1, line: 2, column: 10, described: "cell 1, line 2, col 10: SyntaxError: Expression expected.",
  }],
  ["a runtime error in a plain cell", ["const a = 1;\n\nconst b = a + missing;"], {
    kind: "runtime", name: "ReferenceError", cell: 1, line: 3, column: 15, described: "cell 1, line 3, col 15: ReferenceError: missing is not defined",
  }],
  ["a runtime error in a TypeScript cell (types stripped) keeps the cell's place", [
    "interface R { v: number }\nconst r: R = { v: 1 };\nfunction boom(x: number): never {\n  throw new TypeError(`bad ${x}`);\n}\nboom(r.v)",
  ], { kind: "runtime", name: "TypeError", message: "bad 1", cell: 1, line: 4, column: 9 }],
  ["an error in a function from an earlier cell points at that cell", ["const x = 0\nfunction fail(): number {\n  return (null as any).x;\n}", "fail()"], {
    kind: "runtime", name: "TypeError", cell: 1, line: 3,
  }],
  ["an awaited rejection", ["const n = 1\nawait Promise.reject(new RangeError('r' + n))"], { kind: "runtime", name: "RangeError", message: "r1", cell: 1, line: 2 }],
  ["a thrown non-error value", ["throw 'nope'"], { kind: "runtime", name: "Uncaught", message: "'nope'", described: "cell 1: Uncaught: 'nope'" }],
  ["an import of a package that is not installed", ["import x from 'not-installed-anywhere'"], {
    kind: "runtime", name: "CellflowError", message: expect.stringMatching(/^cannot load not-installed-anywhere: Error: Cannot find package 'not-installed-anywhere'/) as never,
  }],
  ["an early error V8 finds after the TypeScript parser", ["const a = 1;\nbreak;"], { kind: "syntax", name: "SyntaxError", cell: 1 }],
];

describe.concurrent("CellRuntime errors are data with the cell's own line and column", () => {
  // Every row in one child node, each in a fresh runtime.
  const results = new Map<string, CellsResult>();
  beforeAll(async () => {
    const found = await runCellCases(errorRules.map((rule) => rule[1]), dir);
    errorRules.forEach(([name], i) => results.set(name, found[i]));
  }, 180_000);

  it.each(errorRules)("%s", (name, _cells, expected) => {
    const { outcomes } = results.get(name)!;
    const last = outcomes[outcomes.length - 1];
    expect(last.ok).toBe(false);
    expect(last.error).toEqual(expect.objectContaining(expected));
  });

  it("stacks point at cell[N]:line:col with no runtime or Node frames", async () => {
    const { outcomes } = await runCells(["function inner() {\n  throw new Error('deep');\n}", "function outer() { inner() }\nouter()"], dir);
    const stack = outcomes[1].error!.stack;
    expect(stack.split("\n")).toEqual(["Error: deep", "    at inner (cell[1]:2:9)", "    at outer (cell[2]:1:20)", "    at cell[2]:2:1"]);
  });

  it("an error does not lose earlier variables, and a failed cell can be run again fixed", async () => {
    const { outcomes } = await runCells(["const keep = 7", "const keep2 = keep + nope", "const nope = 1", "const keep2 = keep + nope", "keep2"], dir);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true, true]);
    expect(outcomes[4].value).toBe(8);
  });
});
