// esbuild for the cell compiler, loaded on first use: most cells need no type stripping (compile.ts's fast path), and
// importing esbuild from an ES module costs ~50–100 ms of CPU on the kernel's way to its first cell (Node scans its
// CommonJS file for named exports) against ~25 ms for require() when a cell does need it.

import { createRequire } from "node:module";
import type * as Esbuild from "esbuild";

let loaded: typeof Esbuild | undefined;

/** esbuild's synchronous transform (the cell's TypeScript stripped), loading esbuild the first time. */
export function transformSync(input: string, options: Esbuild.TransformOptions): Esbuild.TransformResult {
  loaded ??= createRequire(import.meta.url)("esbuild") as typeof Esbuild;
  return loaded.transformSync(input, options);
}
