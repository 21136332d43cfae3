// Where the compiler's caches live, one file per TypeScript and Node version: TypeScript's V8 code cache
// (typescript-code-cache.cts) and the type checker's startup snapshot (type-check-process.ts). CommonJS, so that
// the code cache's loader can require it before the compiler; importing it loads nothing else.

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** The TypeScript compiler's file. */
export const typescriptFile: string = require.resolve("typescript");

/** The TypeScript compiler's version (the cache files are per version). */
export const typescriptVersion: string = (JSON.parse(readFileSync(join(dirname(typescriptFile), "..", "package.json"), "utf8")) as { version: string }).version;

/**
 * The cache folder: CELLFLOW_CODE_CACHE, else the user's cache folder; null when a process must not write to the
 * user's folders (CELLFLOW_CODE_CACHE=off).
 */
export function compilerCacheDir(): string | null {
  const setting = process.env.CELLFLOW_CODE_CACHE;
  if (setting === "off") return null;
  return setting || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "cellflow");
}
