// The runner: run operations shared by the CLI, the terminal UI and the kernel, with every file kind registered.

import { registerFileRunner } from "./runs.js";
import { runNotebookFile } from "./notebook-runner.js";

registerFileRunner(".ipynb", runNotebookFile);

export { runFlowFile, retryRun, cancelRun, getRunGraph, registerFileRunner } from "./runs.js";
export type { RunFileOptions } from "./runs.js";
export { parseParamPairs } from "./params.js";
export { runNotebookFile } from "./notebook-runner.js";
