// Where this package's own files are at runtime (compiled dist/ or src/ under a test runner).

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Absolute paths the loader needs, computed from this file's own location. */
export interface PackagePaths {
  /** The package root (the folder holding package.json). */
  root: string;
  /** `file:` URL of the package entry, `dist/src/index.js`: what `import "cellflow"` maps to. */
  entryUrl: string;
  /** `file:` URL of the compiled customization hooks (always plain JS). */
  hooksUrl: string;
}

/**
 * Compiled: dist/src/loader/paths.js → root is three folders up. From src (a test runner
 * executing the .ts directly): src/loader/paths.ts → two up. Either way the hooks and the entry
 * are the compiled files in dist/, because Node's hooks thread cannot run TypeScript.
 */
export function packagePaths(): PackagePaths {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = import.meta.url.endsWith(".js");
  const root = compiled ? join(here, "..", "..", "..") : join(here, "..", "..");
  const hooks = join(root, "dist", "src", "loader", "hooks.js");
  const entry = join(root, "dist", "src", "index.js");
  if (!existsSync(hooks)) {
    throw new Error(`cellflow loader: ${hooks} is missing — run \`npx tsc -p tsconfig.json\` first`);
  }
  return { root, entryUrl: pathToFileURL(entry).href, hooksUrl: pathToFileURL(hooks).href };
}
