// Routes display output to tslab's display API when the library runs inside a tslab kernel.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DisplayOutput } from "./sink.js";

/**
 * The part of tslab's public display API Cellflow uses: `require("tslab").newDisplay()` returns
 * one of these; its first call shows an output (display_data with a display_id), every later call
 * replaces that output in place (update_display_data). tslab takes one MIME type per call and has
 * no clear-output call.
 */
export interface TslabDisplay {
  raw(contentType: string, data: string | Uint8Array): void;
  text(s: string): void;
}

/** The tslab module as `require("tslab")` or `import * as tslab from "tslab"` gives it. */
export interface TslabModule {
  newDisplay(): TslabDisplay;
}

const TSLAB_KEY = Symbol.for("cellflow.tslab");
const TSLAB_FILE = /[\\/]tslab[\\/]dist[\\/](?:jupyter|public|index|main|executor)\.js$/;

const requireHere = createRequire(import.meta.url);

function isTslabModule(value: unknown): value is TslabModule {
  return typeof value === "object" && value !== null && typeof (value as TslabModule).newDisplay === "function";
}

/**
 * Tells Cellflow which tslab module to display through, for setups where it cannot find the running
 * tslab by itself. Pass `undefined` to stop using tslab.
 * @example
 * import * as tslab from "tslab";
 * import { useTslabDisplay } from "cellflow";
 * useTslabDisplay(tslab);
 */
export function useTslabDisplay(tslab: TslabModule | undefined): void {
  const holder = globalThis as { [TSLAB_KEY]?: TslabModule };
  if (tslab) holder[TSLAB_KEY] = tslab;
  else delete holder[TSLAB_KEY];
}

/**
 * The running tslab kernel's module, if this process is one. tslab is CommonJS, so its kernel files
 * sit in the shared require cache; loading `public.js` next to them gives the instance whose
 * display calls reach the live iopub socket (a fresh copy of tslab would not be connected).
 */
export function findTslab(): TslabModule | undefined {
  const registered = (globalThis as { [TSLAB_KEY]?: TslabModule })[TSLAB_KEY];
  if (registered) return registered;
  for (const file of Object.keys(requireHere.cache)) {
    if (!TSLAB_FILE.test(file)) continue;
    try {
      const mod: unknown = requireHere(join(dirname(file), "public.js"));
      if (isTslabModule(mod)) return mod;
    } catch {
      // A tslab without public.js (an old layout): fall through to other candidates.
    }
  }
  return undefined;
}

// tslab accepts one MIME type per call, so send the richest one it can render.
const PREFERENCE = ["text/html", "image/svg+xml", "image/png", "text/markdown"];

/** Sends one output through a tslab display (first call shows it, later calls update it in place). */
export function showInTslab(target: TslabDisplay, output: DisplayOutput): void {
  for (const mime of PREFERENCE) {
    const data = output.data[mime];
    if (typeof data === "string") {
      target.raw(mime, data);
      return;
    }
  }
  target.text(output.data["text/plain"]);
}
