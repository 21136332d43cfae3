// While the terminal UI is up, console output of cells goes to the scrollback instead of tearing through the frame.

import { format } from "node:util";
import type { ScrollbackStore } from "./scrollback-store.js";

const METHODS = ["log", "info", "debug", "warn", "error"] as const;

/** Routes console.* into the scrollback; returns a function that puts the console back. */
export function captureConsole(scrollback: ScrollbackStore): () => void {
  const saved = METHODS.map((m) => [m, console[m]] as const);
  const wrappers = new Map<string, unknown>();
  for (const method of METHODS) {
    const wrapper = (...args: unknown[]) => scrollback.push(format(...args), method === "error" ? "error" : method === "warn" ? "warning" : undefined);
    wrappers.set(method, wrapper);
    console[method] = wrapper;
  }
  return () => {
    // Leave a wrapper installed on top of ours (the engine's print capture) in place: it calls through to ours.
    for (const [method, original] of saved) if (console[method] === wrappers.get(method)) console[method] = original;
  };
}
