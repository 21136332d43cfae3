// `cellflow tui [notebook.ipynb] [--watch] [--run]`: the terminal UI in a terminal; plain line output when not a TTY.

import type { Command } from "commander";

export function registerTuiCommand(program: Command): void {
  program
    .command("tui [notebook]")
    .description("the terminal UI: type cells, watch the DAG live, rerun from failure (plain lines when not a terminal)")
    .option("--watch", "re-run changed cells when the notebook changes on disk")
    .option("--run", "run every cell once the notebook is open")
    .action(async (notebook: string | undefined, opts: { watch?: boolean; run?: boolean }) => {
      // React's production build: the development build tracks every prop on each render (slow with big DAGs).
      process.env.NODE_ENV ??= "production";
      // Loaded on demand, so other commands never pay for React and Ink.
      const { runPlain, startTui } = await import("../../tui/index.js");
      if (process.stdout.isTTY && process.stdin.isTTY) {
        await startTui({ notebook, watch: opts.watch === true, run: opts.run === true });
        process.exit(0); // stdin may still hold the event loop after Ink unmounts
      } else {
        await runPlain(notebook);
      }
    });
}
