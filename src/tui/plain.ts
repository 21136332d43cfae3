// `cellflow tui` when stdout (or stdin) is not a terminal: no Ink; the notebook runs as one run, one line per
// state change, and the exit code says how it ended (0 Completed, 1 otherwise), as `cellflow run` does.

import { CellflowError } from "../core/errors.js";
import { runNotebookFile } from "../runner/index.js";
import { finishRun, withProgress } from "../cli/run-progress.js";

export async function runPlain(notebook: string | null | undefined): Promise<void> {
  if (!notebook) {
    throw new CellflowError("USAGE", "cellflow tui needs a terminal (stdin and stdout are not both a TTY)", "pass a notebook to run it headless: cellflow tui notebook.ipynb");
  }
  const outcome = await withProgress(false, () => runNotebookFile(notebook, {}));
  finishRun(outcome, false);
}
