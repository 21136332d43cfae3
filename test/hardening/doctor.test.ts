// `cellflow doctor`: reports a sound store as ok, backs it up, finds corruption, and rebuilds a damaged store
// from the rows that can still be read; an empty store is rebuilt as a new one.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { cli, cliJson, requireBuiltCli, ROOT, SLOW, tempDir, type FlowRunJson } from "../acceptance/helpers.js";

requireBuiltCli();

/** Five runs of 400 tasks each, written through the built library in a child process. */
function storeWithRuns(home: string): void {
  const lib = path.join(ROOT, "dist", "src", "index.js");
  const script = `import { flow, task, configureStore } from ${JSON.stringify(lib)};
configureStore(${JSON.stringify(home)});
const t = task("t", (x) => ({ x, pad: "y".repeat(300) }));
const f = flow("gen", async () => { for (let i = 0; i < 400; i++) await t(i); });
for (let i = 0; i < 5; i++) await f({});
process.exit(0);`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
}

const rows = (file: string, table: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe("cellflow doctor", { timeout: SLOW }, () => {
  it("says ok for a sound store and writes a consistent backup", async () => {
    const home = tempDir("doctor-ok");
    storeWithRuns(home);
    const backup = path.join(tempDir("doctor-backup"), "copy.db");
    const r = await cli(["doctor", "--backup", backup], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("integrity: ok");
    expect(rows(backup, "task_runs")).toBe(2000);
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
  });

  it("finds corrupt pages, and --rebuild saves the readable rows into a new, sound store", async () => {
    const home = tempDir("doctor-corrupt");
    storeWithRuns(home);
    const db = path.join(home, "cellflow.db");
    const bytes = fs.readFileSync(db);
    const page = 4096;
    // Damage a stretch of pages in the middle of the file (task runs and results live there).
    const from = Math.floor(bytes.length / page / 2) * page;
    for (let i = from; i < from + 8 * page; i++) bytes[i] ^= 0x5a;
    fs.writeFileSync(db, bytes);

    const check = await cli(["doctor"], { home });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/integrity: (\d+ problems?|cannot read it: .*malformed)/);
    expect(check.stdout).toContain("cellflow doctor --rebuild");

    const rebuilt = await cli(["doctor", "--rebuild"], { home });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain("moved the damaged store to");
    const aside = fs.readdirSync(home).filter((f) => f.startsWith("cellflow.db.damaged-"));
    expect(aside.length).toBeGreaterThan(0);
    const saved = rows(db, "task_runs");
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThanOrEqual(2000);

    expect((await cli(["doctor"], { home })).stdout).toContain("integrity: ok");
    const runs = await cliJson<FlowRunJson[]>(["runs", "ls"], { home });
    expect(runs.length).toBe(5);
  });

  it("an empty (0-byte) store: doctor says so, and --rebuild starts a new store that takes runs", async () => {
    const home = tempDir("doctor-empty");
    storeWithRuns(home);
    fs.truncateSync(path.join(home, "cellflow.db"), 0);
    const check = await cli(["doctor"], { home });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("empty (0 bytes)");
    expect((await cli(["doctor", "--rebuild"], { home })).code).toBe(0);
    expect((await cli(["runs", "ls"], { home })).code).toBe(0);
  });
});
