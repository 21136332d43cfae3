import { beforeAll, describe, expect, it } from "vitest";
import { tempProject, withNodeModules } from "../loader/helpers.js";
import { runCellCases, runCells, type CellsResult } from "./session.js";

let dir: string;
beforeAll(() => {
  dir = withNodeModules(
    tempProject({
      "helpers.ts": "export const double = (n: number): number => n * 2;\nexport type Unit = 'ms';\n",
      "data.json": '{"k":1}',
    }),
  );
});

// Each row: cells run in order in one runtime → the last cell's value (and hasValue).
const scopeRules: [string, string[], unknown, boolean?][] = [
  ["a later cell sees an earlier const", ["const x = 1", "x + 1"], 2],
  ["const declared again replaces the value", ["const x = 1", "const x = 'two'", "x"], "two"],
  ["let declared again and reassigned", ["let n = 1", "n = n + 1", "let n = n * 10; n"], 20],
  ["class declared again", ["class A { v() { return 1 } }", "class A { v() { return 2 } }", "new A().v()"], 2],
  ["function declared again is seen by earlier functions", ["function f() { return 1 }", "function g() { return f() }", "function f() { return 2 }", "g()"], 2],
  ["function declarations are hoisted inside the cell", ["const early = h()\nfunction h(): string { return 'hoisted' }", "early"], "hoisted"],
  ["a redeclared function keeps its name", ["function named() {}", "function named() {}\nnamed.name"], "named"],
  ["object destructuring with rename, default and rest", ["const { a, b: [c, d = 4], ...rest } = { a: 1, b: [3], e: 5 }", "[a, c, d, rest]"], [1, 3, 4, { e: 5 }]],
  ["array destructuring with holes, declared again", ["let [p, , q] = [1, 2, 3]", "let [q, p] = [p, q]; [p, q]"], [3, 1]],
  ["TypeScript: interfaces, annotations, enums, generics", ["interface Row { v: number }\nconst rows: Row[] = [{ v: 1 }]", "enum Color { Red, Green }\nconst first = <T,>(xs: T[]): T => xs[0];\nrows.length + Color.Green + first<number>([10])"], 12],
  ["a class with TypeScript members", ["class P { constructor(private readonly n: number) {}\n  get twice(): number { return this.n * 2 } }", "new P(4).twice"], 8],
  ["top-level await", ["const v = await Promise.resolve(41)", "v + 1"], 42],
  ["for await at top level", ["let total = 0\nfor await (const n of (async function* () { yield 1; yield 2 })()) total += n", "total"], 3],
  ["var in a top-level loop is shared", ["for (var i = 0; i < 3; i++) {}", "i"], 3],
  ["last expression after statements", ["const s = 2\ns * 21"], 42],
  ["a cell ending in a declaration has no value", ["const z = 5"], undefined, false],
  ["undefined is no value", ["undefined"], undefined, false],
  ["an npm CommonJS package, named and default", ["import { add, kind } from 'cjs-only'\nimport cjs from 'cjs-only'", "add(1, 2) + kind + cjs.kind"], "3cjscjs"],
  ["an npm ESM-only package, default and named", ["import greet, { kind } from 'esm-only'", "greet(kind)"], "hi esm"],
  ["luxon and zod from the notebook's node_modules", ["import { DateTime } from 'luxon'\nimport * as z from 'zod'", "[DateTime.fromISO('2024-01-02').year, z.number().parse(3)]"], [2024, 3]],
  ["a local .ts file by .js name", ["import { double } from './helpers.js'", "double(21)"], 42],
  ["a local .ts file without extension, type import dropped", ["import { double, type Unit } from './helpers'\nconst u: Unit = 'ms'", "double(2) + u"], "4ms"],
  ["dynamic import() of a local .ts file", ["const m = await import('./helpers.ts')", "m.double(5)"], 10],
  ["a JSON import with attributes", ["import data from './data.json' with { type: 'json' }", "data.k"], 1],
  ["import.meta points at the notebook folder", ["import.meta.dirname === process.cwd()"], true],
  ["node: builtins", ["import { join } from 'node:path'", "join('a', 'b')"], "a/b"],
];

describe.concurrent("CellRuntime scope rules", () => {
  // Every row in one child node, each in a fresh runtime.
  const results = new Map<string, CellsResult>();
  beforeAll(async () => {
    const found = await runCellCases(scopeRules.map((rule) => rule[1]), dir);
    scopeRules.forEach(([name], i) => results.set(name, found[i]));
  }, 180_000);

  it.each(scopeRules)("%s", (name, _cells, value, hasValue = true) => {
    const { outcomes } = results.get(name)!;
    for (const o of outcomes) expect(o.error?.described).toBeUndefined();
    const last = outcomes[outcomes.length - 1];
    expect(last).toEqual(expect.objectContaining({ ok: true, hasValue }));
    expect(last.value).toEqual(value);
  });

  it("import from 'cellflow' gives the module instance the process already runs, not the notebook's copy", async () => {
    const { outcomes } = await runCells(["import * as cf from 'cellflow'\nimport { version } from 'cellflow'", "cf", "version"], dir);
    expect(outcomes[1].sameAsCellflow).toBe(true);
    expect(outcomes[2].value).toBe("0.1.0"); // the temp folder's node_modules/cellflow says "impostor"
  });

  it("declarations() holds the latest declaration of each name as TypeScript", async () => {
    const { declarations } = await runCells(["const x: number = 1\nx + 1", "interface Row { v: number }", "const x: string = 'a'", "import { double } from './helpers.js'"], dir);
    expect(declarations).toBe("interface Row { v: number }\nconst x: string = 'a'\nimport { double } from './helpers.js'\nexport {};\n");
  });
});
