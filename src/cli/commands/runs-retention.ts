// `cellflow runs rm <id>...` and `runs prune --older-than 30d [--state S] [--dry-run]`: delete ended runs with their
// task runs, logs, artifacts and the results nothing newer uses.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { parseDuration } from "../../core/duration.js";
import type { DeleteSummary } from "../../store/prune.js";
import { stateFilter } from "../../store/run-filters.js";

const store = async () => (await import("../../engine/engine.js")).getEngine().store;

function summaryText(s: DeleteSummary): string {
  return `${s.runs} flow run${s.runs === 1 ? "" : "s"}, ${s.taskRuns} task runs, ${s.logs} log lines, ${s.artifacts} artifacts, ${s.results} results`;
}

export function registerRunsRetentionCommands(runs: Command): void {
  runs
    .command("rm <run-id...>")
    .description("delete runs (ended or not yet started) with their subflows, task runs, logs, artifacts and unused results")
    .option("--json", "print what was deleted as JSON")
    .action(async (ids: string[], opts: { json?: boolean }) => {
      const s = await store();
      // Every id resolves before anything is deleted.
      const records = ids.map((id) => s.findFlowRun(id));
      const summary = s.deleteRuns([...new Set(records.map((r) => r.id))]);
      if (opts.json) return void process.stdout.write(JSON.stringify({ deleted: summary, ids: records.map((r) => r.id) }, null, 2) + "\n");
      process.stdout.write(`deleted ${summaryText(summary)}\n`);
    });

  runs
    .command("prune")
    .description("delete ended runs older than a duration; a result a newer run still uses stays")
    .requiredOption("--older-than <duration>", "runs created longer ago than this, e.g. 30d, 12h")
    .option("--state <state>", "only runs in this state (name or type)")
    .option("--dry-run", "say what would be deleted, delete nothing")
    .option("--vacuum", "then VACUUM, so the store file shrinks at once")
    .option("--json", "print JSON")
    .action(async (opts: { olderThan: string; state?: string; dryRun?: boolean; vacuum?: boolean; json?: boolean }) => {
      const age = parseDuration(opts.olderThan, "--older-than");
      if (opts.state && !stateFilter(opts.state)) {
        throw new CellflowError("USAGE", `unknown state '${opts.state}'`, "use an ended state like Completed, Failed, Cancelled or Crashed");
      }
      const s = await store();
      const ids = s.selectPrunableRuns({ before: Date.now() - age, state: opts.state });
      const summary = s.deleteRuns(ids, { dryRun: opts.dryRun === true });
      const size = opts.dryRun ? null : s.compact(opts.vacuum === true);
      if (opts.json) return void process.stdout.write(JSON.stringify({ dryRun: opts.dryRun === true, deleted: summary, storeBytes: size }, null, 2) + "\n");
      if (opts.dryRun) return void process.stdout.write(`would delete ${summaryText(summary)} (dry run: nothing deleted)\n`);
      process.stdout.write(`deleted ${summaryText(summary)}; store file ${(size! / 1024 / 1024).toFixed(1)} MB${opts.vacuum ? "" : " (add --vacuum to shrink it now)"}\n`);
    });
}
