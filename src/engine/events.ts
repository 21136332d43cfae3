// The in-process event bus: every state change and log line is published here; front ends subscribe.
// Listeners receive the live record: copy what you keep, it keeps changing.

import type { RunEvent } from "../core/records.js";
import { globalSingleton } from "./global.js";

export type RunEventListener = (event: RunEvent) => void;

const listeners = globalSingleton("listeners", () => new Set<RunEventListener>());

export function subscribe(listener: RunEventListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Whether anyone listens: the engine builds no event object per state change when no one does. */
export function hasListeners(): boolean {
  return listeners.size > 0;
}

export function publish(event: RunEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (error) {
      process.stderr.write(`cellflow: an event listener threw: ${(error as Error).message}\n`);
    }
  }
}
