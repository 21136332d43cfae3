// The TypeScript compiler, loaded with require(): importing its 9 MB CommonJS file from ESM makes Node scan it for
// named exports first, which costs more than loading it (1.6–2.7 s against 0.35–0.8 s on a loaded 2-core machine).
// Modules import it as `import ts from "./typescript.cjs"` and get the same namespace (values and types).
// typescript-code-cache loads it first, through V8's code cache; the require below then returns that module.
import "./typescript-code-cache.cjs";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the point of this file: require, not import
import ts = require("typescript");
export = ts;
