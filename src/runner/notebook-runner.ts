// `cellflow run notebook.ipynb`: the notebook's code cells run in order as one flow run of a notebook session;
// `-p` overrides go into a cell after the one tagged `parameters`; the notebook file is only read.

import path from "node:path";
import { readNotebook, withParameters } from "../notebook/index.js";
import { NotebookSession } from "../session/notebook-session.js";
import type { FlowRunOutcome } from "../engine/flow-run.js";
import type { FlowRunRecord } from "../core/records.js";
import type { RunFileOptions } from "./runs.js";

export interface NotebookRunOptions extends RunFileOptions {
  resume?: FlowRunRecord;
  adopt?: FlowRunRecord;
}

/** Run a notebook headless. Cells are named by their 1-based position; the injected parameters cell is "parameters". */
export async function runNotebookFile(file: string, params: Record<string, unknown>, options: NotebookRunOptions = {}): Promise<FlowRunOutcome> {
  const notebook = readNotebook(file);
  const cells = withParameters(notebook.cells, params)
    .filter((c) => c.cellType === "code" && c.source.trim() !== "")
    .map((c) => ({ source: c.source, id: c.index >= 0 ? c.index + 1 : "parameters" }));
  if (options.typecheck) await (await import("./typecheck.js")).refuseTypeErrors(file, cells);
  const session = new NotebookSession({ cwd: path.dirname(file), notebookPath: file });
  options.onStart?.();
  const execution = await session.execute(cells, {
    params,
    entrypoint: `${path.resolve(file)}:${session.name}`,
    resume: options.resume,
    adopt: options.adopt,
    eager: true,
  });
  return execution.outcome!;
}
