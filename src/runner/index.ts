// The runner: run operations shared by the CLI, the terminal UI and the kernel, with every file kind registered.

import { registerFileRunner } from "./runs.js";
import { runNotebookFile } from "./notebook-runner.js";
// Every front end runs flows through here, so alerting is on wherever runs happen.
import "../alerts/install.js";

registerFileRunner(".ipynb", runNotebookFile);

export { runFlowFile, retryRun, runAdopted, splitEntrypoint, cancelRun, getRunGraph, registerFileRunner } from "./runs.js";
export type { RunFileOptions } from "./runs.js";
export { parseParamPairs } from "./params.js";
export { runNotebookFile } from "./notebook-runner.js";
