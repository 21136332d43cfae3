// importModule(): load a user's .ts/.mts/.js/.mjs module with no build step (see hooks.ts).

import { existsSync, statSync } from "node:fs";
import { register } from "node:module";
import { join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { CellflowError } from "../core/errors.js";
import type { HooksData } from "./hooks.js";
import { displayPath, javaScriptSyntaxLocation, loadFailureReason } from "./load-error.js";
import { packagePaths } from "./paths.js";

const REGISTERED = Symbol.for("cellflow.loader.registered");
const HINT = "fix the error above and run again";
const VIRTUAL_QUERY = "cellflow-import"; // keep in step with hooks.ts (not imported: it runs on the hooks thread)

/**
 * Registers the loader's customization hooks once per process (later calls do nothing), after turning on
 * source-mapped stack traces (errors point at the user's `.ts` lines) and loading this package's entry: once the
 * hooks are registered, every module Node loads is a round trip to the hooks thread, and the package's own ~50
 * modules that a flow file's `import … from "cellflow"` needs cost ~0.1 s of CPU less loaded before.
 */
export async function registerLoader(): Promise<void> {
  const state = globalThis as { [REGISTERED]?: boolean };
  if (state[REGISTERED]) return;
  const { hooksUrl, entryUrl } = packagePaths();
  process.setSourceMapsEnabled(true);
  await import(entryUrl);
  if (state[REGISTERED]) return;
  register<HooksData>(hooksUrl, { data: { entryUrl } });
  state[REGISTERED] = true;
}

/**
 * Imports a user's module by absolute path: `.ts`, `.mts`, `.tsx` are transpiled on the fly,
 * `.js`/`.mjs` load as Node loads them; `import ... from "cellflow"` inside it resolves to this
 * package. Modules are cached by Node: a second import of the same path returns the same instance.
 *
 * @throws CellflowError `MODULE_LOAD` naming the file and, where known, `file:line:col`.
 * @example
 * const mod = await importModule(path.resolve("flows/etl.ts"));
 * const etl = mod.etl;
 */
export async function importModule(absPath: string): Promise<Record<string, unknown>> {
  const file = resolvePath(absPath);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new CellflowError("MODULE_LOAD", `cannot load ${displayPath(file)}: file not found`, "check the path and run again");
  }
  try {
    return await importUrl(pathToFileURL(file).href, file);
  } catch (error) {
    // Node reports no place for an ES module's parse error; find it for plain JavaScript files.
    if (!(error instanceof CellflowError) || /:\d+:\d+: /.test(error.message)) throw error;
    const cause = error.cause;
    if (!(cause instanceof SyntaxError) || !/\.[cm]?js$/.test(file)) throw error;
    const where = await javaScriptSyntaxLocation(file);
    if (!where) throw error;
    throw new CellflowError("MODULE_LOAD", `cannot load ${displayPath(file)}: ${where}: ${cause.name}: ${cause.message}`, HINT, { cause });
  }
}

/**
 * Imports `specifier` as a static `import` in a file of folder `fromDir` would: bare names resolve
 * through that folder's node_modules, relative paths against it (`.ts` allowed), `cellflow` to
 * this package. Resolves to the module's namespace object itself.
 *
 * @param attributes import attributes, e.g. `{ type: "json" }`
 * @example
 * const { DateTime } = await importFrom("luxon", "/home/me/notebooks");
 */
export async function importFrom(
  specifier: string,
  fromDir: string,
  attributes?: { type?: string },
): Promise<Record<string, unknown>> {
  const url = new URL(pathToFileURL(join(resolvePath(fromDir), "[cell]")).href);
  url.searchParams.set(VIRTUAL_QUERY, specifier);
  if (attributes?.type) url.searchParams.set("type", attributes.type);
  const virtual = await importUrl(url.href, specifier);
  return virtual.namespace as Record<string, unknown>;
}

async function importUrl(url: string, label: string): Promise<Record<string, unknown>> {
  await registerLoader();
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const name = label.startsWith("/") || /^[A-Za-z]:\\/.test(label) ? displayPath(label) : label;
    throw new CellflowError("MODULE_LOAD", `cannot load ${name}: ${loadFailureReason(error, packagePaths().root)}`, HINT, {
      cause: error,
    });
  }
}

