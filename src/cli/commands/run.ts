// `cellflow run <file>[:flow] -p k=v`: run a flow headless, one line per state change, exit 0 when Completed.

import type { Command } from "commander";

function collect(value: string, previous: string[]): string[] {
  return previous.concat([value]);
}

export function registerRunCommands(program: Command): void {
  program
    .command("run <target>")
    .description("run a flow: <file.ts|file.ipynb>[:flow]")
    .option("-p, --param <key=value>", "a flow parameter (JSON when it parses, else a string); repeatable", collect, [])
    .option("--refresh-cache", "execute every task, none from cache, and store fresh results")
    .option("--json", "print the finished run as JSON (progress goes to stderr)")
    .option("--typecheck", "type-check first (each notebook cell against the cells before it); any type error exits 2 before anything runs")
    .option("--distributed", "execute the flow's task runs on task workers (`cellflow worker --tasks`; store on PostgreSQL)")
    .action(async (target: string, opts: { param: string[]; json?: boolean; typecheck?: boolean; refreshCache?: boolean; distributed?: boolean }) => {
      // Loaded when the command runs, so other commands never pay for the runner (TypeScript, esbuild).
      const [{ parseParamPairs, runFlowFile }, { finishRun, withProgress }] = await Promise.all([import("../../runner/index.js"), import("../run-progress.js")]);
      const params = parseParamPairs(opts.param);
      const outcome = await withProgress(opts.json === true, () => runFlowFile(target, params, { typecheck: opts.typecheck === true, refreshCache: opts.refreshCache === true, ...(opts.distributed ? { taskRunner: "distributed" as const } : {}) }));
      finishRun(outcome, opts.json === true);
    });
}
