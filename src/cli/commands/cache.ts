// `cellflow cache clear [--task NAME]`: forget cached task results, so the next runs execute those tasks.

import type { Command } from "commander";

export function registerCacheCommands(program: Command): void {
  const cache = program.command("cache").description("cached task results");
  cache
    .command("clear")
    .description("forget cached task results (all, or one task's with --task); the results of past runs stay readable")
    .option("--task <name>", "only this task's cached results")
    .option("--json", "print what was cleared as JSON")
    .action(async (opts: { task?: string; json?: boolean }) => {
      const { getEngine } = await import("../../engine/engine.js");
      const cleared = getEngine().store.clearCache(opts.task);
      if (opts.json) return void process.stdout.write(JSON.stringify({ cleared, task: opts.task ?? null }) + "\n");
      const what = opts.task === undefined ? "" : ` of task ${opts.task}`;
      process.stdout.write(`cleared ${cleared} cached result${cleared === 1 ? "" : "s"}${what}\n`);
    });
}
