// A store that cannot take a run stops the run before any user code: read-only, full, corrupt, truncated and
// empty stores each give one line with a recovery hint and exit 2, and the flow's side effects count zero.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, errorLines, executions, requireBuiltCli, SLOW, tempDir, type CliResult } from "../acceptance/helpers.js";

requireBuiltCli();

/** Module top level, flow body and task each leave one line in side-effects.log: any user code that ran shows. */
function writeFlow(dir: string): string {
  const file = path.join(dir, "touchy.ts");
  const log = JSON.stringify(path.join(dir, "side-effects.log"));
  fs.writeFileSync(
    file,
    `import fs from "node:fs";
import { flow, task } from "cellflow";
fs.appendFileSync(${log}, "module\\n");
const touch = task("touch", () => { fs.appendFileSync(${log}, "task\\n"); return 1; });
export const touchy = flow("touchy", async () => { fs.appendFileSync(${log}, "flow\\n"); return touch(); });
`,
  );
  return file;
}

/** A store with one finished run in it. */
async function storeWithRun(home: string, dir: string): Promise<string> {
  const file = writeFlow(dir);
  const r = await cli(["run", file], { home });
  expect(r.code, r.stderr).toBe(0);
  fs.rmSync(path.join(dir, "side-effects.log"));
  return file;
}

function expectRefused(r: CliResult, dir: string, words: RegExp): void {
  expect(r.code, r.stderr + r.stdout).toBe(2);
  const lines = errorLines(r);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(words);
  expect(lines[0]).not.toMatch(/\n\s+at /);
  expect(executions(path.join(dir, "side-effects.log"))).toBe(0);
  expect(r.stdout).not.toContain("Completed");
}

const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

/** A small tmpfs (root only); null when mounting is not possible here. */
function tmpfs(sizeKb: number): string | null {
  if (!isRoot) return null;
  const at = tempDir("tmpfs");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", at], { stdio: "ignore" });
  } catch {
    return null;
  }
  mounts.push(at);
  return at;
}

afterAll(() => {
  for (const at of mounts) {
    try {
      execFileSync("umount", [at], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
});

describe("a store that cannot take a run", { timeout: SLOW }, () => {
  it("corrupt pages: one line naming the corruption and `cellflow doctor`, no user code", async () => {
    const home = tempDir("corrupt-home");
    const dir = tempDir("corrupt-flow");
    const file = await storeWithRun(home, dir);
    const db = path.join(home, "cellflow.db");
    const bytes = fs.readFileSync(db);
    const page = 4096;
    // Scribble over every page after the first (the schema stays readable, every table is damaged).
    for (let i = 2 * page; i < bytes.length; i += 97) bytes[i] = (bytes[i] + 0x5a) & 0xff;
    fs.writeFileSync(db, bytes);
    expectRefused(await cli(["run", file], { home }), dir, /corrupt.*cellflow doctor/);
  });

  it("truncated: one line, no user code", async () => {
    const home = tempDir("truncated-home");
    const dir = tempDir("truncated-flow");
    const file = await storeWithRun(home, dir);
    fs.truncateSync(path.join(home, "cellflow.db"), 3 * 4096 + 100);
    expectRefused(await cli(["run", file], { home }), dir, /cellflow\.db.*(corrupt|malformed)/);
  });

  it("0 bytes: refused as damaged, not silently taken as a new store", async () => {
    const home = tempDir("empty-home");
    const dir = tempDir("empty-flow");
    const file = await storeWithRun(home, dir);
    fs.truncateSync(path.join(home, "cellflow.db"), 0);
    expectRefused(await cli(["run", file], { home }), dir, /empty \(0 bytes\).*backup/);
    expect(fs.statSync(path.join(home, "cellflow.db")).size).toBe(0);
  });

  it.skipIf(!isRoot)("read-only (a read-only mount; root only, as root ignores file modes): one line, no user code", async () => {
    const at = tmpfs(8192);
    if (!at) return void console.warn("skipped: could not mount a tmpfs");
    const home = path.join(at, "home");
    const dir = tempDir("ro-flow");
    const file = await storeWithRun(home, dir);
    execFileSync("mount", ["-o", "remount,ro", at]);
    expectRefused(await cli(["run", file], { home }), dir, /read-only|cannot open/);
  });

  it.skipIf(!isRoot)("full disk (a full 2 MB tmpfs; root only): one line, no user code", async () => {
    const at = tmpfs(2048);
    if (!at) return void console.warn("skipped: could not mount a tmpfs");
    const home = path.join(at, "home");
    const dir = tempDir("full-flow");
    const file = await storeWithRun(home, dir);
    const filler = fs.openSync(path.join(at, "filler"), "w");
    try {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (;;) fs.writeSync(filler, chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    }
    try {
      for (;;) fs.writeSync(filler, Buffer.alloc(512, 1));
    } catch {
      // full to the last block
    }
    fs.closeSync(filler);
    expectRefused(await cli(["run", file], { home }), dir, /disk is full|cannot/);
  });
});
