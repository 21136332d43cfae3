// The runner: run operations shared by the CLI, the terminal UI and the kernel, with every file kind registered.

import { registerFileRunner } from "./runs.js";
import type { NotebookRunOptions } from "./notebook-runner.js";
import type { FlowRunOutcome } from "../engine/flow-run.js";
// Every front end runs flows through here, so alerting is on wherever runs happen.
import "../alerts/install.js";

/**
 * Run a notebook headless (see notebook-runner.ts). Loaded on first use: the cell compiler (TypeScript, ~40 MB)
 * stays out of `cellflow run flow.ts`.
 */
export async function runNotebookFile(file: string, params: Record<string, unknown>, options: NotebookRunOptions = {}): Promise<FlowRunOutcome> {
  return (await import("./notebook-runner.js")).runNotebookFile(file, params, options);
}

registerFileRunner(".ipynb", runNotebookFile);

export { runFlowFile, retryRun, runAdopted, splitEntrypoint, cancelRun, getRunGraph, registerFileRunner } from "./runs.js";
export type { RunFileOptions } from "./runs.js";
export { parseParamPairs } from "./params.js";
