// TypeScript → JavaScript for the module hooks, through esbuild, with the output kept in the cache folder by the
// hash of everything that decides it (esbuild's version, its options, the file's name and source). A flow file run
// again unchanged — the next `cellflow run`, a retry, a worker's next run — then costs a file read, not esbuild's
// module and service process (~0.1 s of CPU here). Runs on the hooks thread: Node builtins and core/ only,
// esbuild loaded on the first file that is not in the cache.

import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import type { Message, TransformOptions } from "esbuild";
import { cacheFolder } from "../core/cache-folder.js";
import { sha256 } from "../core/hash.js";

/** Entries not written or used for this long are deleted by the next miss (at most one sweep a day). */
const UNUSED_MS = 7 * 24 * 3600_000;
const SWEEP_EVERY_MS = 24 * 3600_000;

let esbuild: typeof import("esbuild") | undefined;
/** esbuild through require(): an ES import of its CommonJS file makes Node scan it for named exports (~0.1 s CPU). */
const loadEsbuild = () => (esbuild ??= createRequire(import.meta.url)("esbuild") as typeof import("esbuild"));

let esbuildVersion: string | null | undefined;
/** esbuild's version from its package.json (without loading esbuild), or null when it cannot be read (no cache then). */
function versionOfEsbuild(): string | null {
  if (esbuildVersion !== undefined) return esbuildVersion;
  try {
    const main = createRequire(import.meta.url).resolve("esbuild");
    esbuildVersion = (JSON.parse(readFileSync(join(dirname(main), "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    esbuildVersion = null;
  }
  return esbuildVersion;
}

/** The module's JavaScript (ESM, inline source map naming the file by its base name). A file esbuild cannot compile throws a SyntaxError naming its line and column. */
export async function compileTypeScript(code: string, file: string): Promise<string> {
  const options: TransformOptions = {
    loader: file.endsWith(".tsx") ? "tsx" : "ts",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    sourcefile: basename(file),
    jsx: "automatic",
  };
  const folder = cacheFolder();
  const version = folder === null ? null : versionOfEsbuild();
  const entry = folder !== null && version !== null ? join(folder, "ts", `${sha256(`${version}\0${JSON.stringify(options)}\0${code}`).slice(0, 32)}.js`) : null;
  if (entry) {
    const cached = readEntry(entry);
    if (cached !== null) return cached;
  }
  const { transform } = loadEsbuild();
  let output: string;
  try {
    output = (await transform(code, options)).code;
  } catch (error) {
    throw new SyntaxError(esbuildReason(error, file));
  }
  if (entry) save(entry, output);
  return output;
}

/**
 * An entry is the sha256 of the output on its first line, then the output: a damaged entry (a bad disk, a hand
 * edit) is compiled again and rewritten, never run. Null when there is no good entry.
 */
function readEntry(entry: string): string | null {
  let text: string;
  try {
    text = readFileSync(entry, "utf8");
  } catch {
    return null; // not cached yet
  }
  const newline = text.indexOf("\n");
  const output = text.slice(newline + 1);
  if (newline !== 64 || text.slice(0, 64) !== sha256(output)) return null;
  touch(entry);
  return output;
}

/** Mark an entry used (its mtime) at most once an hour, so the sweep keeps what is still run. */
function touch(entry: string): void {
  try {
    const now = Date.now();
    if (now - statSync(entry).mtimeMs > 3600_000) utimesSync(entry, new Date(now), new Date(now));
  } catch {
    // best effort: a read-only cache still serves
  }
}

/** Write an entry whole (a temporary file renamed over it), then sweep old entries if a day has passed. */
function save(entry: string, output: string): void {
  const folder = dirname(entry);
  try {
    mkdirSync(folder, { recursive: true });
    const temporary = `${entry}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, `${sha256(output)}\n${output}`);
    renameSync(temporary, entry);
    sweep(folder);
  } catch {
    // a cache that cannot be written only costs the next run a compile
  }
}

function sweep(folder: string): void {
  const stamp = join(folder, ".swept");
  const now = Date.now();
  try {
    if (now - statSync(stamp).mtimeMs < SWEEP_EVERY_MS) return;
  } catch {
    // never swept
  }
  writeFileSync(stamp, "");
  for (const name of readdirSync(folder)) {
    if (name === ".swept") continue;
    const path = join(folder, name);
    try {
      if (now - statSync(path).mtimeMs > UNUSED_MS) unlinkSync(path);
    } catch {
      // removed meanwhile by another process
    }
  }
}

function esbuildReason(error: unknown, file: string): string {
  const messages = (error as { errors?: Message[] }).errors;
  const first = messages?.[0];
  if (!first) return error instanceof Error ? error.message : String(error);
  const where = first.location ? `${file}:${first.location.line}:${first.location.column + 1}` : file;
  return `${where}: ${first.text}`;
}
