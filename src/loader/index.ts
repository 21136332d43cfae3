// The loader's public surface: import user modules (TypeScript included) with no build step.

export { importFrom, importModule, registerLoader } from "./import-module.js";
export { displayPath } from "./load-error.js";
