// The tasks a module defines, collected while a task worker imports it: a dispatched task run names its task by
// name and function source hash, and the worker finds that definition here.

import { globalSingleton } from "./global.js";
import type { TaskDefinition } from "./task-run.js";

/** Task definitions by name, of what is being imported now; null when nobody collects (the usual case). */
const collecting = globalSingleton("taskCollector", () => ({ defs: null as Map<string, TaskDefinition[]> | null }));

export function registerTaskDefinition(def: TaskDefinition): void {
  const defs = collecting.defs;
  if (!defs) return;
  const list = defs.get(def.name);
  if (list) list.push(def);
  else defs.set(def.name, [def]);
}

/** Run `load` (an import) and return what it resolves to with every task it defined, by name. One at a time. */
export async function collectTaskDefinitions<T>(load: () => Promise<T>): Promise<{ value: T; defs: Map<string, TaskDefinition[]> }> {
  if (collecting.defs) throw new Error("task definitions are being collected already");
  const defs = new Map<string, TaskDefinition[]>();
  collecting.defs = defs;
  try {
    return { value: await load(), defs };
  } finally {
    collecting.defs = null;
  }
}
