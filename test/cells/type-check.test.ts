// CellTypeChecker against earlier cells: a cell imports only the earlier names it mentions, which must never change
// what it reports: the types it sees, its errors' lines and columns, and the names a message suggests.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCell } from "../../src/cells/compile.js";
import { DeclarationHistory } from "../../src/cells/declarations.js";
import { CellTypeChecker, typeCheckCells } from "../../src/cells/type-check.js";

const dir = mkdtempSync(join(tmpdir(), "cellflow-type-check-"));

/** Cells `0 … n-1`, then `last` as cell "last": what the checker reports for the last one. */
function lastCell(earlier: string[], last: string) {
  const cells = [...earlier.map((source, id) => ({ id, source })), { id: "last", source: last }];
  return typeCheckCells(cells, dir)
    .filter((d) => d.cell === "last")
    .map(({ line, column, code, message }) => ({ line, column, code, message: message.split("\n")[0] }));
}

const MANY = Array.from({ length: 20 }, (_, i) => `const v${i}: number = ${i};\nfunction f${i}(x: string): number { return x.length + v${i}; }`);

describe("CellTypeChecker", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: { name: string; earlier: string[]; last: string; expected: ReturnType<typeof lastCell> }[] = [
    { name: "a cell using two of twenty earlier cells' names, without errors", earlier: MANY, last: "f3('abc') + v17", expected: [] },
    {
      name: "an error on the cell's second line, after earlier names it uses",
      earlier: MANY,
      last: "const a = f3('abc');\nconst b: string = v4 + a;",
      expected: [{ line: 2, column: 7, code: 2322, message: "Type 'number' is not assignable to type 'string'." }],
    },
    {
      name: "an earlier name written with unicode escapes has its earlier type",
      earlier: ['const v0 = "text";'],
      last: "const n: number = \\u0076\\u0030;",
      expected: [{ line: 1, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'." }],
    },
    {
      name: "a misspelt name is offered the earlier name the cell does not mention",
      earlier: ["const counter = 1;", ...MANY],
      last: "counte + 1",
      expected: [{ line: 1, column: 1, code: 2552, message: "Cannot find name 'counte'. Did you mean 'counter'?" }],
    },
    {
      name: "a name the cell declares again is its own, not the earlier one",
      earlier: ["const a = 1;", ...MANY],
      last: 'const a = "x";\nconst b: number = a;',
      expected: [{ line: 2, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'." }],
    },
    {
      name: "a cell mentioning no earlier name keeps its own lines and columns",
      earlier: MANY,
      last: "\nconst s: string = 1;",
      expected: [{ line: 2, column: 7, code: 2322, message: "Type 'number' is not assignable to type 'string'." }],
    },
    {
      name: "a cell starting with a comment, mentioning no earlier name, keeps its own lines and columns",
      earlier: MANY,
      last: "// total\nconst s: string = 1;",
      expected: [{ line: 2, column: 7, code: 2322, message: "Type 'number' is not assignable to type 'string'." }],
    },
    { name: "a cell starting with // @ts-nocheck after earlier cells reports no type error", earlier: MANY, last: "// @ts-nocheck\nconst s: string = 1;", expected: [] },
    { name: "nor one that uses earlier names", earlier: MANY, last: "// @ts-nocheck\nconst s: string = v1;", expected: [] },
    {
      name: "but its syntax errors, on their own lines",
      earlier: MANY,
      last: "// @ts-nocheck\nconst s: string = v1 +;",
      expected: [{ line: 2, column: 23, code: 1109, message: "Expression expected." }],
    },
    { name: "a /// <reference lib> at the top of a cell after earlier cells is read", earlier: MANY, last: '/// <reference lib="dom" />\nconst t: string = document.title;', expected: [] },
    { name: "and at the top of one that uses earlier names", earlier: MANY, last: '/// <reference lib="dom" />\nconst t: string = document.title + v1;', expected: [] },
    { name: "and in a cell that is only that line", earlier: MANY, last: '/// <reference lib="dom" />', expected: [] },
    {
      name: "an error after a /// directive, in a cell using earlier names, on its own line",
      earlier: MANY,
      last: '// DOM types, then v1:\n/// <reference lib="dom" />\nconst a = v1;\nconst s: string = a;',
      expected: [{ line: 4, column: 7, code: 2322, message: "Type 'number' is not assignable to type 'string'." }],
    },
    {
      name: "a // @ts-expect-error after a /// directive still applies to the next line",
      earlier: MANY,
      last: '/// <reference lib="dom" />\n// @ts-expect-error\nconst s: string = v1;\nconst n: number = document.title;',
      expected: [{ line: 4, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'." }],
    },
    {
      name: "a /// directive that does not resolve is reported on its own line",
      earlier: MANY,
      last: '/// <reference types="no-such-types" />\nv1 + 1',
      expected: [{ line: 1, column: 23, code: 2688, message: "Cannot find type definition file for 'no-such-types'." }],
    },
    {
      name: "an earlier type used in a type position",
      earlier: ["interface Point { x: number }", ...MANY],
      last: 'const p: Point = { x: "1" };',
      expected: [{ line: 1, column: 20, code: 2322, message: "Type 'string' is not assignable to type 'number'." }],
    },
  ];

  for (const { name, earlier, last, expected } of cases) {
    it(name, () => {
      expect(lastCell(earlier, last)).toEqual(expected);
    });
  }

  it("keeps the program's structure from a cell that uses earlier names to one that uses none, and back", () => {
    const checker = new CellTypeChecker(dir);
    const history = new DeclarationHistory();
    history.record(parseCell("const v = 1;"));
    // The compiler's own record of how much of the previous program it reused (internal): 2 is "completely", 1 "its
    // modules" (the imports changed: every file processed again).
    const reused = () => (checker as unknown as { program: { structureIsReused: number } }).program.structureIsReused;
    const found = [];
    for (const [id, code] of ["v + 1", "2 + 2", "v * 3", "4 * 4"].entries()) {
      found.push(checker.check(history.asModule(), code, id));
      if (id > 0) expect(reused()).toBe(2);
    }
    expect(found).toEqual([[], [], [], []]);
  });
});
