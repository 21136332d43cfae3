// A task worker's view of the flows' modules: it imports the module a dispatched task run names (once), checks it
// has the flow's code (content hash), and finds the task's definition in it by name and function source.

import fs from "node:fs";
import path from "node:path";
import { CellflowError } from "../core/errors.js";
import { sourceHashOf, type DispatchPayload } from "../engine/dispatch.js";
import { validateTaskOptions } from "../engine/options.js";
import { collectTaskDefinitions } from "../engine/task-registry.js";
import type { TaskDefinition } from "../engine/task-run.js";
import { importModule } from "../loader/index.js";

interface LoadedModule {
  hash: string;
  /** The names of the tasks it defined when imported (for the message when one is missing). */
  names: string[];
}

const FIX = "run the same code on every machine (same relative path from the folder each worker starts in), then restart the task workers";

export class TaskEntries {
  private readonly modules = new Map<string, Promise<LoadedModule>>();
  /**
   * Every task definition imported so far, by name: a module two flows' modules share is imported (and its tasks
   * defined) once, with the first.
   */
  private readonly defs = new Map<string, TaskDefinition[]>();
  /** Imports one at a time: the task registry collects one module's definitions at once. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The content hash of each file by its size and mtime: a hash per job would read the file each time. */
  private readonly hashes = new Map<string, { size: number; mtimeMs: number; hash: string }>();

  constructor(private readonly cwd = process.cwd()) {}

  /** The definition a payload names, with the call's options; a CellflowError says why there is none here. */
  async definition(payload: DispatchPayload): Promise<TaskDefinition> {
    const file = path.resolve(this.cwd, payload.entry);
    const here = this.currentHash(file);
    if (here !== payload.hash) {
      throw new CellflowError("DISTRIBUTED", `this task worker's ${payload.entry} is not the flow run's (content hash ${here.slice(0, 12)} here, ${payload.hash.slice(0, 12)} in the flow run)`, FIX);
    }
    let loading = this.modules.get(file);
    if (!loading) {
      loading = this.queue
        .then(() => collectTaskDefinitions(() => importModule(file)))
        .then(({ defs }) => {
          for (const [name, list] of defs) this.defs.set(name, [...(this.defs.get(name) ?? []), ...list]);
          return { hash: here, names: [...defs.keys()] };
        });
      this.queue = loading.catch(() => {});
      this.modules.set(file, loading);
      loading.catch(() => this.modules.delete(file));
    }
    const mod = await loading;
    if (mod.hash !== payload.hash) {
      throw new CellflowError("DISTRIBUTED", `this task worker imported an older ${payload.entry} (content hash ${mod.hash.slice(0, 12)}; the flow run's is ${payload.hash.slice(0, 12)})`, "restart the task worker to load the new code");
    }
    const def = this.defs.get(payload.task)?.find((d) => d.sourceHash === payload.src) ?? null;
    if (!def) {
      const names = mod.names;
      throw new CellflowError(
        "DISTRIBUTED",
        `task '${payload.task}' is not defined when ${payload.entry} is imported (tasks found: ${names.length ? names.join(", ") : "none"})`,
        "define tasks at the top level of the flow's module (or of a module it imports), not inside the flow's function",
      );
    }
    if (Object.keys(payload.opts).length === 0) return def;
    const options = { ...def.options, ...payload.opts };
    return { ...def, options, timings: validateTaskOptions(def.name, options) };
  }

  private currentHash(file: string): string {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new CellflowError("DISTRIBUTED", `this task worker has no ${path.relative(this.cwd, file) || file} (looked in ${this.cwd})`, FIX);
    }
    const known = this.hashes.get(file);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.hash;
    const hash = sourceHashOf(file);
    this.hashes.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, hash });
    return hash;
  }
}
