// Run operations every front end shares: run a flow file, rerun a run from failure, cancel a run.

import { CellflowError } from "../core/errors.js";
import type { FlowRunRecord } from "../core/records.js";
import { isRerunnable, isTerminal } from "../core/states.js";
import { getEngine } from "../engine/engine.js";
import { runFlow, type FlowRunOutcome } from "../engine/flow-run.js";
import { checkFlowParameterNames, validateParameters } from "../engine/parameters.js";
import { ownerAlive } from "../store/owner.js";
import { loadFlow, parseFlowSpec } from "./load-flow.js";
import type { TaskRunner } from "../engine/dispatch.js";
import path from "node:path";

export interface RunFileOptions {
  deploymentId?: string | null;
  /** Called once parameters are valid, just before the run starts. */
  onStart?: () => void;
  /** Execute every task (none from cache) and store fresh results. */
  refreshCache?: boolean;
  /** Type-check first: any type error refuses the run (CellflowError naming cell, line, column). @default false */
  typecheck?: boolean;
  /** Where task runs execute (`--distributed`); the flow's own option otherwise. */
  taskRunner?: TaskRunner;
}

/** A file's entry points: .ts/.js flow modules here; notebooks register theirs (see registerFileRunner). */
export type FileRunner = (file: string, params: Record<string, unknown>, options: RunFileOptions & { resume?: FlowRunRecord; adopt?: FlowRunRecord }) => Promise<FlowRunOutcome>;
const fileRunners = new Map<string, FileRunner>();

/** Let another module (the notebook runner) handle files with this extension, e.g. ".ipynb". */
export function registerFileRunner(extension: string, runner: FileRunner): void {
  fileRunners.set(extension, runner);
}

function runnerFor(file: string): FileRunner | undefined {
  for (const [ext, runner] of fileRunners) if (file.endsWith(ext)) return runner;
  return undefined;
}

/** Run "file.ts[:flow]" with parameters; invalid parameters throw before anything is created. */
export async function runFlowFile(spec: string, params: Record<string, unknown>, options: RunFileOptions = {}): Promise<FlowRunOutcome> {
  const parsed = parseFlowSpec(spec);
  getEngine().store.checkReadyForRun();
  const custom = runnerFor(parsed.file);
  if (custom && options.taskRunner === "distributed") {
    throw new CellflowError("USAGE", `--distributed needs a flow in a module file, and ${path.basename(parsed.file)} is a notebook (task workers import the flow's module)`, "move the flow and its tasks into a .ts file, or run without --distributed");
  }
  if (custom) return custom(parsed.file, params, options);
  if (options.typecheck) await (await import("./typecheck.js")).refuseFileTypeErrors(parsed.file);
  const flow = await loadFlow(parsed);
  checkFlowParameterNames(flow.definition, params);
  const checked = validateParameters(flow.flowName, flow.definition.options.parameters, params) as Record<string, unknown>;
  options.onStart?.();
  return runFlow(flow.definition, checked, { entrypoint: `${parsed.file}:${flow.flowName}`, deploymentId: options.deploymentId ?? null, refreshCache: options.refreshCache, taskRunner: options.taskRunner });
}

/** Split a stored entry point "<absolute file>:<flow name>". */
export function splitEntrypoint(entrypoint: string): { file: string; flowName: string } {
  const cut = entrypoint.lastIndexOf(":");
  return { file: entrypoint.slice(0, cut), flowName: entrypoint.slice(cut + 1) };
}

/**
 * Execute an existing Scheduled flow run (claimed by a worker) from its stored entry point, as attempt 1.
 * Parameters are validated by the flow's schema; invalid ones reject before the run changes state.
 */
export async function runAdopted(record: FlowRunRecord, options: RunFileOptions = {}): Promise<FlowRunOutcome> {
  if (!record.entrypoint) throw new CellflowError("DEPLOYMENT", `run ${record.name} has no entry point to load`, "deploy the flow again with `cellflow deploy`");
  const { file, flowName } = splitEntrypoint(record.entrypoint);
  getEngine().store.checkReadyForRun();
  const custom = runnerFor(file);
  if (custom) return custom(file, record.parameters, { ...options, adopt: record });
  const flow = await loadFlow({ file, flowName });
  const checked = validateParameters(flow.flowName, flow.definition.options.parameters, record.parameters) as Record<string, unknown>;
  options.onStart?.();
  return runFlow(flow.definition, checked, { adopt: record });
}

/** Rerun from failure: the same run, next attempt, same parameters; completed tasks come back Cached. */
export async function retryRun(idOrPrefix: string, options: RunFileOptions = {}): Promise<FlowRunOutcome> {
  const store = getEngine().store;
  const record = store.findFlowRun(idOrPrefix);
  if (!isRerunnable(record.state)) {
    const owner = store.getFlowRunRow(record.id)?.owner;
    if (owner && !isTerminal(record.state) && ownerAlive(owner) !== false) throw store.runClaimedError(record.id);
    throw new CellflowError("NOT_RERUNNABLE", `run ${record.name} (${record.id.slice(0, 8)}) is ${record.state.name}`, "only Failed, Crashed or Cancelled runs can be rerun; start a new one with `cellflow run`");
  }
  if (!record.entrypoint) {
    throw new CellflowError("NOT_RERUNNABLE", `run ${record.name} has no entry point to load (it was started from a notebook cell or a REPL)`, "rerun it where it ran, e.g. %rerun in the notebook");
  }
  const { file, flowName } = splitEntrypoint(record.entrypoint);
  store.checkReadyForRun();
  const custom = runnerFor(file);
  if (custom) return custom(file, record.parameters, { ...options, resume: record });
  const flow = await loadFlow({ file, flowName });
  options.onStart?.();
  return runFlow(flow.definition, record.parameters, { resume: record });
}

/** Ask a run to stop. A run whose process is gone, or that has not started, is Cancelled at once. */
export function cancelRun(idOrPrefix: string): { record: FlowRunRecord; immediate: boolean } {
  const store = getEngine().store;
  // A run of this process may still sit in the batch writer.
  store.flush();
  const record = store.findFlowRun(idOrPrefix);
  if (isTerminal(record.state)) {
    throw new CellflowError("NOT_RERUNNABLE", `run ${record.name} (${record.id.slice(0, 8)}) already ended ${record.state.name}`, "nothing to cancel");
  }
  const row = store.getFlowRunRow(record.id)!;
  const alive = row.owner ? ownerAlive(row.owner) : false;
  if (alive === false) {
    store.setFlowRunState(record.id, "Cancelled", "cancelled by request");
    return { record: store.findFlowRun(record.id), immediate: true };
  }
  store.setFlowRunState(record.id, "Cancelling", "cancel requested");
  return { record: store.findFlowRun(record.id), immediate: false };
}

export { getRunGraph } from "../engine/graph.js";
