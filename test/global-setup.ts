// vitest globalSetup: the suites that run dist/ (the CLI, the kernel, cells in a child node) must not test stale
// code, so when a source file is newer than the last build, rebuild (incrementally) first, or fail saying why.
// And every temporary file of the run goes to one folder, removed when the run ends.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useScratchTmpdir } from "../bench/scratch.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BUILD_INFO = path.join(ROOT, "dist", ".tsbuildinfo");
const SOURCES = ["src", "kernel", "bench"];

/** The newest modification time of a .ts/.tsx/.cts/.mts file under `dir`, and that file. */
function newest(dir: string, found = { mtime: 0, file: "" }): { mtime: number; file: string } {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest(full, found);
    else if (/\.[cm]?tsx?$/.test(entry.name)) {
      const mtime = fs.statSync(full).mtimeMs;
      if (mtime > found.mtime) Object.assign(found, { mtime, file: full });
    }
  }
  return found;
}

export function distIsStale(): string | null {
  const built = fs.existsSync(BUILD_INFO) ? fs.statSync(BUILD_INFO).mtimeMs : 0;
  for (const dir of [...SOURCES, "tsconfig.json"].map((d) => path.join(ROOT, d))) {
    const latest = fs.statSync(dir).isDirectory() ? newest(dir) : { mtime: fs.statSync(dir).mtimeMs, file: dir };
    if (latest.mtime > built) return built === 0 ? "dist/ was never built" : `${path.relative(ROOT, latest.file)} is newer than dist/`;
  }
  return null;
}

/**
 * Every test file (vitest starts its workers after this) and every process they start (CLI runs, workers, kernels,
 * Chromium, Python) keeps its temporary files in one folder, removed when the run ends: a run made over a thousand
 * temporary folders (~1.5 GB). Each vitest project runs this setup: the first makes the folder, the others reuse it.
 */
export default function setup(): () => void {
  rebuildIfStale();
  return useScratchTmpdir("cellflow-tests-", "CELLFLOW_TESTS_TMPDIR");
}

function rebuildIfStale(): void {
  const stale = distIsStale();
  if (!stale) return;
  process.stderr.write(`${stale}: rebuilding (tsc -b tsconfig.json, then the web UI bundle)…\n`);
  const build = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b", path.join(ROOT, "tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) {
    throw new Error(`${stale} and the rebuild failed, so the tests would run stale code; fix the build (npm run build):\n${build.stdout}${build.stderr}`);
  }
  // The web UI's bundle (dist/ui) is esbuild's, not tsc's: rebuild it too, so browser tests see the same source.
  const ui = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build-ui.mjs")], { cwd: ROOT, encoding: "utf8" });
  if (ui.status !== 0) throw new Error(`${stale} and the web UI bundle failed to build (npm run build):\n${ui.stdout}${ui.stderr}`);
  // tsc -b leaves an up-to-date build untouched: mark it current so the next run does not try again.
  const now = new Date();
  fs.utimesSync(BUILD_INFO, now, now);
}
