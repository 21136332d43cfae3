// `cellflow runs result <run> [task] [--json]`: a stored result read back (a table for records, else as printed).

import { inspect } from "node:util";
import type { Command } from "commander";
import { print } from "../output.js";

export function registerRunsResultCommand(runs: Command): void {
  runs
    .command("result <run-id> [task]")
    .description("the stored result of a run, or of one of its tasks (task name or dynamic key, e.g. parse-2)")
    .option("--json", "print the value as JSON")
    .action(async (id: string, task: string | undefined, opts: { json?: boolean }) => {
      const [{ readStoredResult }, { formatDisplay }, { jsonView, stringifyJson }] = await Promise.all([
        import("../../engine/get-result.js"),
        import("../../display/format.js"),
        import("../../core/result-json.js"),
      ]);
      const { value } = readStoredResult(id, task);
      // BigInts as exact JSON integers; a cyclic value as its inspect text.
      if (opts.json) return void process.stdout.write(stringifyJson(jsonView(value).value, 2) + "\n");
      const text = typeof value === "object" && value !== null ? formatDisplay(value)["text/plain"] : typeof value === "string" ? value : inspect(value);
      print(text + "\n");
    });
}
