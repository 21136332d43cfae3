// Node module customization hooks: TypeScript without a build step, and `cellflow` → this package.
// Runs on Node's hooks thread (registered by import-module.ts); must stay dependency-light.

import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { InitializeHook, LoadHook, ResolveHook } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compileTypeScript } from "./compile-ts.js";

/** Data passed from `module.register()`. */
export interface HooksData {
  /** `file:` URL of this package's entry (dist/src/index.js). */
  entryUrl: string;
}

/** Marks a virtual module that imports `specifier` as if from a file in the URL's folder. */
export const VIRTUAL_QUERY = "cellflow-import";

let entryUrl = "";

export const initialize: InitializeHook<HooksData> = (data) => {
  entryUrl = data.entryUrl;
};

const TS_EXTENSIONS = /\.(ts|mts|tsx)$/;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier.startsWith("file:") && specifier.includes(`?${VIRTUAL_QUERY}=`)) {
    return { url: specifier, format: "module", shortCircuit: true };
  }
  if (specifier === "cellflow" && entryUrl) {
    return { url: entryUrl, format: "module", shortCircuit: true };
  }
  if (specifier.startsWith("cellflow/") && entryUrl) {
    // A self-reference from inside this package resolves through its own `exports` map.
    return nextResolve(specifier, { ...context, parentURL: entryUrl });
  }
  const parent = context.parentURL;
  if (parent?.startsWith("file:") && isPathLike(specifier)) {
    const tsUrl = typeScriptCandidate(specifier, parent);
    if (tsUrl) return { url: tsUrl, format: "module", shortCircuit: true };
  }
  if (parent?.includes(`?${VIRTUAL_QUERY}=`) && entryUrl && isBare(specifier)) {
    // A cell's package import: the notebook's folder first, then the kernel's own dependencies (as a Jupyter
    // kernel's environment serves its notebooks), so an example notebook runs in a project that installed only cellflow.
    try {
      return await nextResolve(specifier, context);
    } catch (error) {
      if ((error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
      try {
        return await nextResolve(specifier, { ...context, parentURL: entryUrl });
      } catch {
        throw error;
      }
    }
  }
  return nextResolve(specifier, context);
};

function isBare(specifier: string): boolean {
  return !isPathLike(specifier) && !specifier.startsWith("node:") && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}

export const load: LoadHook = async (url, context, nextLoad) => {
  if (url.startsWith("file:") && url.includes(`?${VIRTUAL_QUERY}=`)) {
    return { format: "module", source: virtualSource(new URL(url)), shortCircuit: true };
  }
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const { pathname } = new URL(url);
  if (!TS_EXTENSIONS.test(pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const code = await readFile(file, "utf8");
  return { format: "module", source: await compileTypeScript(code, file), shortCircuit: true };
};

function isPathLike(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier.startsWith("file:");
}

/**
 * TypeScript's convention: `./x.js` may name `./x.ts`, and `./x` may name `./x.ts`. A `.js` that
 * exists on disk still wins over nothing, but a sibling `.ts` wins when the parent is TypeScript.
 */
function typeScriptCandidate(specifier: string, parentUrl: string): string | undefined {
  let base: URL;
  try {
    base = new URL(specifier, parentUrl);
  } catch {
    return undefined;
  }
  const path = fileURLToPath(base);
  const parentIsTs = TS_EXTENSIONS.test(new URL(parentUrl).pathname);
  const candidates: string[] = [];
  const swap = (from: RegExp, to: string[]) => to.map((ext) => path.replace(from, ext));
  if (/\.js$/.test(path)) {
    if (!parentIsTs && isFile(path)) return undefined;
    candidates.push(...swap(/\.js$/, [".ts", ".tsx"]));
  } else if (/\.mjs$/.test(path)) {
    if (!parentIsTs && isFile(path)) return undefined;
    candidates.push(...swap(/\.mjs$/, [".mts"]));
  } else if (/\.[cm]?[jt]sx?$|\.json$|\.node$/.test(path)) {
    return undefined;
  } else {
    if (isFile(path)) return undefined;
    candidates.push(`${path}.ts`, `${path}.tsx`, `${path}.mts`, `${path}.js`, `${path}.mjs`);
    candidates.push(`${path}/index.ts`, `${path}/index.tsx`, `${path}/index.js`);
  }
  const found = candidates.find(isFile);
  return found ? pathToFileURL(found).href + base.search : undefined;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function virtualSource(url: URL): string {
  const specifier = url.searchParams.get(VIRTUAL_QUERY) ?? "";
  const type = url.searchParams.get("type");
  const attributes = type ? ` with { type: ${JSON.stringify(type)} }` : "";
  return `import * as namespace from ${JSON.stringify(specifier)}${attributes};\nexport { namespace };\n`;
}
