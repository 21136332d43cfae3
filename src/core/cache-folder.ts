// Where Cellflow keeps what it can rebuild (compiler code cache, type checker snapshot, compiled flow files):
// $CELLFLOW_CODE_CACHE, else $XDG_CACHE_HOME/cellflow (default ~/.cache/cellflow); CELLFLOW_CODE_CACHE=off for a
// process that must not write to the user's folders. Node builtins only: the module hooks thread imports it.
// (src/cells/typescript-code-cache.cts, CommonJS, spells the same rule out: it cannot import an ES module.)

import { homedir } from "node:os";
import { join } from "node:path";

/** The cache folder, or null when caching is off. @example cacheFolder() // "/home/me/.cache/cellflow" */
export function cacheFolder(): string | null {
  const setting = process.env.CELLFLOW_CODE_CACHE;
  if (setting === "off") return null;
  return setting || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "cellflow");
}
