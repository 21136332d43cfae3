// Which test files run in-process, for vitest.config.ts: a suite that starts no process (no built CLI, kernel,
// cells or modules in a child node) runs in a shared worker thread with the files before it, so it pays for
// neither a process start nor a fresh module graph; every other suite gets its own forked process.

import fs from "node:fs";
import path from "node:path";

/** What marks a suite that drives child processes (directly or through the test helpers that do). */
const CHILD_PROCESS = /\b(spawn|spawnSync|execFile|execFileSync|fork|runNode|runCells|runCellCases|startCli|cli|cliJson|runsOf|runPython|scenario)\(|requireBuiltCli|distUrl|KERNEL_BIN|harness\.js"|dist\/src/;
/** What marks a suite that needs modules loaded fresh: it sets the environment before they are imported. */
const FRESH_MODULES = /\bvi\.(hoisted|mock|doMock|resetModules)\(/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(full);
    return /\.test\.tsx?$/.test(e.name) ? [full] : [];
  });
}

/** The test files (relative to the repository root) that can share a worker thread and its loaded modules. */
export function inProcessSuites(root = "test"): string[] {
  return testFiles(root).filter((file) => {
    const source = fs.readFileSync(file, "utf8");
    return !CHILD_PROCESS.test(source) && !FRESH_MODULES.test(source);
  });
}
