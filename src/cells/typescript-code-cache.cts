// Loads the TypeScript compiler through a V8 code cache (Node 20 has no module.enableCompileCache): compiling its
// 9 MB file costs ~300 ms of CPU on every start of a kernel, its type-check thread, the terminal UI or a notebook run,
// against ~30 ms with the bytecode cached. The cache lives in the user's cache folder, one file per TypeScript and
// Node version; V8 checks that it matches the source and this Node's flags, and rejects it (then it is rebuilt)
// if not. Required by typescript.cts before it requires `typescript`, which then finds the module already loaded.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { threadId } from "node:worker_threads";

const file = require.resolve("typescript");
const version = (JSON.parse(readFileSync(join(dirname(file), "..", "package.json"), "utf8")) as { version: string }).version;
// A process that must not write to the user's folders sets CELLFLOW_CODE_CACHE=off.
const setting = process.env.CELLFLOW_CODE_CACHE;
const dir = setting === "off" ? null : setting || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "cellflow");
const cacheFile = dir && join(dir, `typescript-${version}-node-${process.version}-${process.arch}.v8cache`);

let script: Script | undefined;
/** Whether the cache on disk is missing or was rejected, so this process should write one. */
let stale = false;
let accepted = false;

function readCache(): Buffer | undefined {
  try {
    return cacheFile ? readFileSync(cacheFile) : undefined;
  } catch {
    return undefined;
  }
}

// Another copy may have loaded it already (the ESM loader's CommonJS bridge, or a second import of this file).
if (!require.cache[file]) {
  const cachedData = readCache();
  // Read as bytes, then decoded: readFileSync(file, "utf8") decodes through V8's own UTF-8 decoder, ~60 ms more CPU
  // for this 9 MB file than Buffer's (measured here: 141–158 ms against 75–91).
  const source = readFileSync(file).toString("utf8");
  // The wrapper Node's CommonJS loader uses, so the compiler runs exactly as `require` would run it.
  script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: file, cachedData });
  accepted = cachedData !== undefined && script.cachedDataRejected === false;
  stale = !accepted;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  require.cache[file] = mod;
}

/** Whether this process compiled the compiler from the code cache (false: no cache yet, rejected, or turned off). */
export function typeScriptCodeCacheAccepted(): boolean {
  return accepted;
}

/**
 * Writes the code cache if there was none (or V8 rejected it). Call it once the compiler has done real work (the
 * type checker after its warm-up): V8 then includes the functions compiled lazily so far, which the next start
 * skips compiling too. Never throws; a folder that cannot be written just means no cache.
 */
export function saveTypeScriptCodeCache(): void {
  if (!stale || !script || !dir || !cacheFile) return;
  stale = false;
  try {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed, so a kernel starting meanwhile reads the old file or the new one, never half.
    const partial = `${cacheFile}.${process.pid}-${threadId}.tmp`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, cacheFile);
  } catch {}
}
