// The type checker's thread, through the built code in a child node (the worker is dist/'s): answers with the cell's
// own line and column, sees earlier cells' declarations (sent once, reused while unchanged), and an idle checker
// does not keep the process alive (the child exits on its own).

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distUrl, runNode } from "../loader/helpers.js";

describe("TypeCheckThread", () => {
  it("checks cells on its worker against earlier declarations, and lets the process exit when idle", async () => {
    const script = `
      import { TypeCheckThread } from ${JSON.stringify(distUrl("src/cells/type-check-thread.js"))};
      import { DeclarationHistory } from ${JSON.stringify(distUrl("src/cells/declarations.js"))};
      import { parseCell } from ${JSON.stringify(distUrl("src/cells/compile.js"))};
      const thread = new TypeCheckThread(process.cwd());
      const history = new DeclarationHistory();
      const found = {};
      found.bad = await thread.check(history.asModule(), 'const n: number = "a";', 1);
      history.record(parseCell("const rows = [1, 2, 3];"));
      found.uses = await thread.check(history.asModule(), "rows.map((r) => r.toFixed(1))", 2);
      found.again = await thread.check(history.asModule(), '\\nrows.push("x")', 3);
      found.threaded = thread.threaded;
      console.log(JSON.stringify(found));
    `;
    const found = await runNode(script, mkdtempSync(join(tmpdir(), "cellflow-thread-")), 120_000);
    expect(found.threaded).toBe(true);
    expect(found.bad).toEqual([{ cell: 1, line: 1, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'." }]);
    expect(found.uses).toEqual([]);
    expect(found.again).toMatchObject([{ cell: 3, line: 2, column: 11, code: 2345 }]);
  }, 150_000);

  it("answers a cell run again unchanged from what it found before, but checks again once a module did not resolve", async () => {
    const script = `
      import { mkdirSync, writeFileSync } from "node:fs";
      import { TypeCheckThread } from ${JSON.stringify(distUrl("src/cells/type-check-thread.js"))};
      import { DeclarationHistory } from ${JSON.stringify(distUrl("src/cells/declarations.js"))};
      import { parseCell } from ${JSON.stringify(distUrl("src/cells/compile.js"))};
      const thread = new TypeCheckThread(process.cwd());
      const history = new DeclarationHistory();
      const found = {};
      const bad = 'const n: number = "a";';
      found.first = await thread.check(history.asModule(), bad, 1);
      found.again = await thread.check(history.asModule(), bad, 2);
      history.record(parseCell("type Box = { n: number };"));
      found.declared = await thread.check(history.asModule(), "const b: Box = { n: 1 };", 3);
      history.record(parseCell("type Box = { n: string };"));
      found.redeclared = await thread.check(history.asModule(), "const b: Box = { n: 1 };", 4);
      const use = 'import { late } from "late-pkg";\\nconst s: string = late;';
      found.missing = await thread.check(history.asModule(), use, 5);
      mkdirSync("node_modules/late-pkg", { recursive: true });
      writeFileSync("node_modules/late-pkg/package.json", JSON.stringify({ name: "late-pkg", version: "1.0.0", types: "index.d.ts" }));
      writeFileSync("node_modules/late-pkg/index.d.ts", "export declare const late: number;");
      found.installed = await thread.check(history.asModule(), use, 6);
      console.log(JSON.stringify(found));
    `;
    const found = await runNode(script, mkdtempSync(join(tmpdir(), "cellflow-thread-")), 120_000);
    expect(found.first).toMatchObject([{ cell: 1, code: 2322 }]);
    expect(found.again).toEqual([{ ...found.first[0], cell: 2 }]);
    expect(found.declared).toEqual([]);
    expect(found.redeclared).toMatchObject([{ cell: 4, code: 2322 }]);
    expect(found.missing).toMatchObject([{ cell: 5, line: 1, code: 2307 }]);
    expect(found.installed).toMatchObject([{ cell: 6, line: 2, column: 7, code: 2322 }]);
  }, 150_000);
});
