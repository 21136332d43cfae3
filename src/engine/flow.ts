// flow(): turns a function of one parameters object into a tracked flow: call it, .run() it, or call it
// inside another flow to make a subflow.

import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FlowRunRecord, TaskRunRecord } from "../core/records.js";
import { CellflowError } from "../core/errors.js";
import { currentContext } from "./context.js";
import { getEngine } from "./engine.js";
import { globalSingleton } from "./global.js";
import { validateFlowOptions, type FlowOptions } from "./options.js";
import { runFlow, runSubflow, type FlowDefinition, type RunFlowOptions } from "./flow-run.js";
import { flowDeployer, type FlowDeployment, type FlowDeployOptions, type FlowServeOptions } from "./flow-deploy.js";

/** What .run() resolves to: the flow run record with its task runs and, when it completed, its value. */
export interface FlowRun<R = unknown> extends FlowRunRecord {
  taskRuns: TaskRunRecord[];
  result?: R;
}

export interface Flow<P extends Record<string, unknown>, R> {
  /** Run the flow; resolves to its return value, rejects with its error. */
  (parameters?: P): Promise<Awaited<R>>;
  /** Run the flow; never rejects for a failure in the flow (only for invalid parameters): check `.state`. */
  run(parameters?: P, options?: RunFlowOptions): Promise<FlowRun<Awaited<R>>>;
  /**
   * Save (or update) a deployment of this flow, validated as `cellflow deploy` does; runs nothing.
   * @example await backup.deploy({ name: "daily-backup", cron: "0 12 * * *", timezone: "Europe/Madrid" })
   */
  deploy(options: FlowDeployOptions): Promise<FlowDeployment>;
  /**
   * Save (or update) a deployment of this flow, then run its scheduled and requested runs in this process until
   * SIGINT/SIGTERM (or `signal` aborts); resolves once the runs in progress have finished.
   * @example await backup.serve({ name: "daily-backup", cron: "0 12 * * *", timezone: "Europe/Madrid" })
   */
  serve(options: FlowServeOptions): Promise<FlowDeployment>;
  readonly flowName: string;
  readonly options: Readonly<FlowOptions<P>>;
  readonly fn: (parameters: P) => R;
  /** @internal */
  readonly definition: FlowDefinition;
}

/** Flows defined in this process, newest last, so the CLI can find one by name in a loaded module. */
export const flowRegistry = globalSingleton("flows", () => [] as Flow<any, any>[]);

const OWN_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The user's file that called flow(), from the stack; null in a notebook cell or the REPL. */
function callerFile(): string | null {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
    if (file.startsWith(OWN_ROOT + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`) && !/\/(test|notebooks|examples)\//.test(file.slice(OWN_ROOT.length))) continue;
    if (file.includes(`${path.sep}node_modules${path.sep}cellflow${path.sep}`)) continue;
    if (file.startsWith("node:") || file.includes("node:internal")) continue;
    return file;
  }
  return null;
}

/**
 * Define a flow.
 * @example export const etl = flow({ name: "etl", retries: 1 }, async ({ size = 10 }) => { ... });
 */
export function flow<P extends Record<string, unknown>, R>(nameOrOptions: string | FlowOptions<P>, fn: (parameters: P) => R): Flow<P, R> {
  if (typeof fn !== "function") {
    throw new CellflowError("BAD_OPTION", `flow(${JSON.stringify(typeof nameOrOptions === "string" ? nameOrOptions : nameOrOptions?.name)}) needs a function as its second argument`, 'write flow("name", async (params) => ...)');
  }
  const options: FlowOptions<P> = typeof nameOrOptions === "string" ? { name: nameOrOptions } : { ...nameOrOptions };
  const name = options.name || fn.name || "flow";
  const { timeoutMs } = validateFlowOptions(name, options);
  const file = callerFile();
  const definition: FlowDefinition = { name, fn, options, timeoutMs, entrypoint: file ? `${file}:${name}` : null };

  const run = async (parameters?: P, runOptions?: RunFlowOptions): Promise<FlowRun<Awaited<R>>> => {
    const ctx = currentContext();
    const outcome = ctx?.flow && !runOptions ? await runSubflow(definition, parameters ?? {}) : await runFlow(definition, parameters ?? {}, runOptions);
    const taskRuns = getEngine().store.getTaskRuns(outcome.record.id, outcome.record.attempt);
    const result: FlowRun<Awaited<R>> = { ...outcome.record, taskRuns };
    if (outcome.ok) result.result = outcome.value as Awaited<R>;
    Object.defineProperty(result, "error", { value: outcome.error, enumerable: false, writable: true });
    return result;
  };

  const invoke = (async (parameters?: P) => {
    const ctx = currentContext();
    const outcome = ctx?.flow ? await runSubflow(definition, parameters ?? {}) : await runFlow(definition, parameters ?? {});
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }) as Flow<P, R>;
  Object.defineProperties(invoke, {
    run: { value: run },
    deploy: { value: async (deployOptions: FlowDeployOptions) => (await flowDeployer()).deployFlow(invoke, deployOptions) },
    serve: { value: async (serveOptions: FlowServeOptions) => (await flowDeployer()).serveFlow(invoke, serveOptions) },
    flowName: { value: name },
    options: { value: Object.freeze({ ...options }) },
    fn: { value: fn },
    definition: { value: definition },
    name: { value: name },
  });
  flowRegistry.push(invoke);
  return invoke;
}

export function isFlow(value: unknown): value is Flow<any, any> {
  return typeof value === "function" && typeof (value as { definition?: unknown }).definition === "object" && typeof (value as { flowName?: unknown }).flowName === "string";
}
