// The type checker's thread, through the built code in a child node (the worker is dist/'s): answers with the cell's
// own line and column, sees earlier cells' declarations (sent once, reused while unchanged), and an idle checker
// does not keep the process alive (the child exits on its own). Its startup snapshot: built in the background when
// missing, then used by the next checker with the same diagnostics; a damaged blob, or a file changed since the
// blob was built, never changes a diagnostic.

import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { distUrl, repoRoot, runNode } from "../loader/helpers.js";

/** A script body that checks a few cells on a fresh TypeCheckThread and prints where they ran and what they found. */
const CHECK_CELLS = `
  async function checkCells() {
    const thread = new TypeCheckThread(process.cwd(), (reason) => fallbacks.push(reason));
    const history = new DeclarationHistory();
    const cells = [
      'const n: number = "a";',
      "const rows = [1, 2, 3];",
      '\\nrows.push("x")',
      'import { task } from "cellflow";\\nconst t = task("a", (x: number) => x);\\nt("s");',
      'import { readFileSync } from "node:fs";\\nreadFileSync(1, "utf8").nope;',
      'import { gone } from "not-installed";',
      // Iteration types (the compiler's noIterationTypes marker, edited in the snapshot's copy: compiler-patches.ts).
      "for (const x of 5) {}\\nfor (const c of 'ab') c.toUpperCase();",
    ];
    const found = [];
    for (const [i, cell] of cells.entries()) {
      found.push(await thread.check(history.asModule(), cell, i + 1));
      history.record(parseCell(cell));
    }
    return { thread, found, runsIn: thread.runsIn };
  }
`;
const IMPORTS = `
  import { existsSync, writeFileSync } from "node:fs";
  import { TypeCheckThread } from ${JSON.stringify(distUrl("src/cells/type-check-thread.js"))};
  import { checkerSnapshot } from ${JSON.stringify(distUrl("src/cells/type-check-process.js"))};
  import { DeclarationHistory } from ${JSON.stringify(distUrl("src/cells/declarations.js"))};
  import { parseCell } from ${JSON.stringify(distUrl("src/cells/compile.js"))};
  const fallbacks = [];
`;

/** Folders holding ~45 MB blobs: removed after the file's tests. */
const scratch: string[] = [];
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

describe("TypeCheckThread", () => {
  afterAll(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

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

  it("checks made-up cells once idle for a second (warming the compiler up), and later cells find the same", async () => {
    const script = `
      import { TypeCheckThread } from ${JSON.stringify(distUrl("src/cells/type-check-thread.js"))};
      import { DeclarationHistory } from ${JSON.stringify(distUrl("src/cells/declarations.js"))};
      import { parseCell } from ${JSON.stringify(distUrl("src/cells/compile.js"))};
      const run = async (pauseMs) => {
        const thread = new TypeCheckThread(process.cwd());
        const history = new DeclarationHistory();
        const found = [await thread.check(history.asModule(), "const rows = [1, 2, 3];", 1)];
        history.record(parseCell("const rows = [1, 2, 3];"));
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        found.push(await thread.check(history.asModule(), 'rows.push("x");\\nconst n: number = rows[0];', 2));
        found.push(await thread.check(history.asModule(), "const 0 + 1 = 2", 3));
        return found;
      };
      console.log(JSON.stringify({ paused: await run(1500), straight: await run(0) }));
    `;
    const found = await runNode(script, mkdtempSync(join(tmpdir(), "cellflow-thread-")), 120_000);
    expect(found.paused).toEqual(found.straight);
    expect(found.paused[1]).toMatchObject([{ cell: 2, line: 1, code: 2345 }]);
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

  it("checks on the thread without a snapshot and builds it; the next checker starts from it and finds the same", async () => {
    const cache = scratchDir("cellflow-snapshot-cache-");
    // Blobs of other builds: one no kernel started from for 8 days (removed by the build), one used today (kept).
    writeFileSync(join(cache, "typecheck-old.blob"), "");
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    utimesSync(join(cache, "typecheck-old.blob"), eightDaysAgo, eightDaysAgo);
    writeFileSync(join(cache, "typecheck-recent.blob"), "");
    const script = `${IMPORTS}
      process.env.CELLFLOW_CODE_CACHE = ${JSON.stringify(cache)};
      ${CHECK_CELLS}
      const first = await checkCells();
      // The build runs detached and unreferenced: keep this process up until it ends.
      const keep = setInterval(() => {}, 1000);
      await first.thread.snapshotBuilt;
      clearInterval(keep);
      const built = existsSync(checkerSnapshot().blob);
      const second = await checkCells();
      // V8 flags in NODE_OPTIONS (the kernel's own business) would make Node refuse the blob: the checker runs without.
      process.env.NODE_OPTIONS = "--max-semi-space-size=32";
      const flagged = await checkCells();
      console.log(JSON.stringify({ built, first: first.found, firstIn: first.runsIn, second: second.found, secondIn: second.runsIn, flaggedIn: flagged.runsIn, flagged: flagged.found, fallbacks }));
    `;
    const found = await runNode(script, mkdtempSync(join(tmpdir(), "cellflow-thread-")), 140_000);
    expect(found.firstIn).toBe("thread");
    expect(found.built).toBe(true);
    expect(found.secondIn).toBe("process");
    expect(found.flaggedIn).toBe("process");
    expect(found.fallbacks).toEqual([]);
    expect(found.second).toEqual(found.first);
    expect(found.flagged).toEqual(found.first);
    expect(found.first.flat().map((d: { cell: number; code: number }) => [d.cell, d.code])).toEqual([[1, 2322], [3, 2345], [4, 2345], [5, 2339], [6, 2307], [7, 2488]]);
    expect(existsSync(join(cache, "typecheck-old.blob"))).toBe(false);
    expect(existsSync(join(cache, "typecheck-recent.blob"))).toBe(true);
  }, 150_000);

  it("startCheckerProcess takes over the process prestartChecker started for that blob and folder, unless it already exited", async () => {
    const cache = scratchDir("cellflow-snapshot-cache-");
    const script = `
      import { writeFileSync } from "node:fs";
      import { once } from "node:events";
      import { checkerSnapshot, prestartChecker, startCheckerProcess } from ${JSON.stringify(distUrl("src/cells/type-check-process.js"))};
      process.env.CELLFLOW_CODE_CACHE = ${JSON.stringify(cache)};
      const blob = checkerSnapshot().blob;
      const cwd = process.cwd();
      const withoutBlob = prestartChecker(cwd);
      writeFileSync(blob, "not a V8 startup snapshot");
      const early = prestartChecker(cwd);
      const taken = startCheckerProcess(blob, cwd);
      const next = startCheckerProcess(blob, cwd);
      // One that exited before it was taken (this blob is refused): its exit would never reach the taker's listeners.
      const gone = prestartChecker(cwd);
      await once(gone, "exit");
      const afterExit = startCheckerProcess(blob, cwd);
      const forHere = prestartChecker(cwd);
      const elsewhere = startCheckerProcess(blob, "/");
      await Promise.all([taken, next, afterExit, elsewhere].map((c) => (c.exitCode === null && c.signalCode === null ? once(c, "exit") : null)));
      console.log(JSON.stringify({
        withoutBlob: withoutBlob === undefined,
        taken: taken === early,
        nextIsNew: next !== early,
        afterExitIsNew: afterExit !== gone,
        elsewhereIsNew: elsewhere !== forHere,
        forHereKilled: forHere.killed,
        args: early.spawnargs.slice(1, 5).map((a) => a.replace(/^--hash-seed=[0-9]+$/, "--hash-seed=N")),
      }));
    `;
    const found = await runNode(script, mkdtempSync(join(tmpdir(), "cellflow-thread-")), 60_000);
    expect(found).toEqual({ withoutBlob: true, taken: true, nextIsNew: true, afterExitIsNew: true, elsewhereIsNew: true, forHereKilled: true, args: ["--hash-seed=N", "--no-rehash-snapshot", "--no-allocation-site-pretenuring", "--initial-old-space-size=128"] });
  }, 70_000);

  it("falls back to the thread, with the same diagnostics, from a damaged snapshot, and deletes it", async () => {
    const cache = scratchDir("cellflow-snapshot-cache-");
    const script = `${IMPORTS}
      process.env.CELLFLOW_CODE_CACHE = ${JSON.stringify(cache)};
      writeFileSync(checkerSnapshot().blob, "not a V8 startup snapshot");
      // A build of the blob under way (its lock held): the thread's first answer would otherwise start a rebuild in
      // a detached process (~5 CPU-s) that outlives this script and that nothing here looks at.
      writeFileSync(checkerSnapshot().blob + ".lock", "");
      ${CHECK_CELLS}
      const damaged = await checkCells();
      // Deleted at the crash, and no rebuild wrote another.
      const kept = existsSync(checkerSnapshot().blob);
      process.env.CELLFLOW_CODE_CACHE = "off";
      const off = await checkCells();
      console.log(JSON.stringify({ damaged: damaged.found, damagedIn: damaged.runsIn, kept, off: off.found, offIn: off.runsIn, fallbacks }));
    `;
    const found = await runNode(script, mkdtempSync(join(tmpdir(), "cellflow-thread-")), 140_000);
    expect(found.damagedIn).toBe("thread");
    expect(found.fallbacks).toHaveLength(1);
    expect(found.fallbacks[0]).toMatch(/^the type-check process exited \(SIGABRT\).*; checking on a thread$/);
    expect(found.kept).toBe(false);
    expect(found.offIn).toBe("thread");
    expect(found.damaged).toEqual(found.off);
    expect(found.damaged.flat()).toHaveLength(6);
  }, 150_000);

  it("parses again a declaration file changed after the snapshot was built", async () => {
    // A copy of the package's snapshot script whose `cellflow` is a declaration file of this test's own.
    const pkg = scratchDir("cellflow-snapshot-pkg-");
    mkdirSync(join(pkg, "dist", "src", "cells"), { recursive: true });
    cpSync(join(repoRoot, "dist", "src", "cells", "type-check-snapshot.cjs"), join(pkg, "dist", "src", "cells", "type-check-snapshot.cjs"));
    writeFileSync(join(pkg, "package.json"), "{}");
    symlinkSync(join(repoRoot, "node_modules"), join(pkg, "node_modules"));
    const declarations = join(pkg, "dist", "src", "index.d.ts");
    writeFileSync(declarations, "export declare function task(name: string): number;\nexport declare const flow: number;\n");
    const blob = join(pkg, "checker.blob");
    const script = `
      import { spawnSync } from "node:child_process";
      import { createRequire } from "node:module";
      import { writeFileSync } from "node:fs";
      import { snapshotFlags, startCheckerProcess } from ${JSON.stringify(distUrl("src/cells/type-check-process.js"))};
      const typescript = createRequire(${JSON.stringify(`${repoRoot}/`)}).resolve("typescript");
      const bundle = ${JSON.stringify(join(pkg, "dist", "src", "cells", "type-check-snapshot.cjs"))};
      const build = spawnSync(process.execPath, ["--no-warnings", ...snapshotFlags(${JSON.stringify(blob)}), "--snapshot-blob", ${JSON.stringify(blob)}, "--build-snapshot", bundle], { env: { ...process.env, CELLFLOW_SNAPSHOT_TYPESCRIPT: typescript } });
      if (build.status !== 0) throw new Error(String(build.stderr));
      writeFileSync(${JSON.stringify(declarations)}, "export declare function task(name: string): string;\\nexport declare const flow: number;\\n");
      const child = startCheckerProcess(${JSON.stringify(blob)}, process.cwd());
      const reply = await new Promise((resolve) => {
        child.on("message", resolve);
        child.send({ id: 1, cellId: 1, code: 'import { task } from "cellflow";\\nconst n: number = task("a");', declarations: { source: "\\nexport {};\\n", names: [] } });
      });
      child.disconnect();
      console.log(JSON.stringify(reply));
    `;
    const reply = await runNode(script, mkdtempSync(join(tmpdir(), "cellflow-thread-")), 140_000);
    expect(reply.diagnostics).toMatchObject([{ cell: 1, line: 2, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'." }]);
  }, 150_000);
});
