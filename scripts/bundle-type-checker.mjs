// Bundle the type checker's startup-snapshot entry (src/cells/type-check-snapshot.ts) into one script,
// dist/src/cells/type-check-snapshot.cjs: `node --build-snapshot` runs a single file and can require only Node's
// own modules, so the checker's modules are inlined and the compiler is evaluated from its file (the path the
// builder passes in CELLFLOW_SNAPSHOT_TYPESCRIPT) rather than required. Runs in `npm run build`, after tsc.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `./typescript.cjs` evaluates the compiler's file, with the edits of src/cells/compiler-patches.ts; `esbuild` (the
 * cell transpiler, never called by a check) is left out.
 */
const snapshotModules = {
  name: "snapshot-modules",
  setup(b) {
    b.onResolve({ filter: /^\.\/typescript\.cjs$/ }, () => ({ path: "typescript", namespace: "snapshot" }));
    b.onResolve({ filter: /^esbuild$/ }, () => ({ path: "esbuild", namespace: "snapshot" }));
    b.onLoad({ filter: /^typescript$/, namespace: "snapshot" }, () => ({
      loader: "js",
      resolveDir: path.join(root, "dist", "src", "cells"),
      contents: `
        const { readFileSync } = require("node:fs");
        const { dirname } = require("node:path");
        const { patchCompilerSource } = require("./compiler-patches.js");
        const file = process.env.CELLFLOW_SNAPSHOT_TYPESCRIPT;
        const compiler = { exports: {} };
        const wrapped = "(function (exports, require, module, __filename, __dirname) { " + patchCompilerSource(readFileSync(file, "utf8")).source + "\\n})\\n//# sourceURL=" + file;
        (0, eval)(wrapped).call(compiler.exports, compiler.exports, require, compiler, file, dirname(file));
        module.exports = compiler.exports;`,
    }));
    b.onLoad({ filter: /^esbuild$/, namespace: "snapshot" }, () => ({
      loader: "js",
      contents: `export function transformSync() { throw new Error("esbuild is not part of the type checker"); }`,
    }));
  },
};

await build({
  entryPoints: [path.join(root, "src", "cells", "type-check-snapshot.ts")],
  bundle: true,
  format: "iife",
  platform: "node",
  target: "node20",
  // The bundle sits beside dist/src/cells/type-check.js, which is where the checker finds the package's root.
  banner: { js: 'var __cellflowModuleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "type-check.js")).href;' },
  define: { "import.meta.url": "__cellflowModuleUrl" },
  plugins: [snapshotModules],
  outfile: path.join(root, "dist", "src", "cells", "type-check-snapshot.cjs"),
  logLevel: "warning",
});
