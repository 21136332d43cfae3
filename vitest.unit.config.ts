// `npm run test:unit`: the in-process suites only, for a fast loop while developing. A suite is left out when it
// starts processes (the built CLI, the kernel, cells or modules in a child node); `npm test` runs everything.

import fs from "node:fs";
import path from "node:path";
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/** What marks a suite that drives child processes (directly or through the test helpers that do). */
const CHILD_PROCESS = /\b(spawn|spawnSync|execFile|execFileSync|fork|runNode|runCells|runCellCases|startCli|cli|cliJson|runsOf|runPython|scenario)\(|requireBuiltCli|distUrl|KERNEL_BIN|harness\.js"|dist\/src/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(full);
    return /\.test\.tsx?$/.test(e.name) ? [full] : [];
  });
}

const unit = testFiles("test").filter((file) => !CHILD_PROCESS.test(fs.readFileSync(file, "utf8")));

// mergeConfig would append to the base's include globs (so run everything): replace them instead.
const config = mergeConfig(base, defineConfig({}));
config.test!.include = unit;
export default config;
