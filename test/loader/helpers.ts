// Test helpers: temp user folders with fixture packages, and a child `node` running the built code.

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const distUrl = (path: string): string => new URL(`dist/${path}`, `file://${repoRoot}/`).href;

/** Writes `files` (relative path → content) into a fresh temp folder and returns its path. */
export function tempProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cellflow-test-"));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

/**
 * A node_modules with real packages linked from the repo (luxon: CJS with an ESM build; zod:
 * ESM+CJS), a hand-made CommonJS-only and ESM-only package, and an impostor `cellflow` that must
 * never be the one loaded.
 */
export function withNodeModules(dir: string): string {
  const nm = join(dir, "node_modules");
  mkdirSync(nm, { recursive: true });
  for (const pkg of ["luxon", "zod"]) symlinkSync(join(repoRoot, "node_modules", pkg), join(nm, pkg));
  const pkgs: Record<string, Record<string, string>> = {
    "cjs-only": {
      "package.json": JSON.stringify({ name: "cjs-only", main: "index.js" }),
      "index.js": "exports.kind = 'cjs'; exports.add = (a, b) => a + b;",
    },
    "esm-only": {
      "package.json": JSON.stringify({ name: "esm-only", type: "module", exports: { import: "./index.js" } }),
      "index.js": "export const kind = 'esm'; export default function greet(n) { return 'hi ' + n; }",
    },
    cellflow: {
      "package.json": JSON.stringify({ name: "cellflow", type: "module", main: "index.js" }),
      "index.js": "export const version = 'impostor';",
    },
  };
  for (const [name, files] of Object.entries(pkgs)) {
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(join(nm, name), { recursive: true });
      writeFileSync(join(nm, name, rel), content);
    }
  }
  return dir;
}

/** Runs an ES module script with a fresh `node` in `cwd` (`env` added to this process's); resolves to its stdout parsed as JSON. */
export function runNode(script: string, cwd: string, timeoutMs = 30_000, env: NodeJS.ProcessEnv = {}): Promise<any> {
  return new Promise((done, fail) => {
    execFile(process.execPath, ["--input-type=module", "-e", script], { cwd, timeout: timeoutMs, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) return fail(new Error(`${error.message}\n${stderr}`));
      try {
        done(JSON.parse(stdout));
      } catch {
        fail(new Error(`not JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}
