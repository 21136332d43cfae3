// `cellflow limits ls|set|rm`: tag concurrency limits shared by every process on the store.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { table, print } from "../output.js";

const engine = async () => (await import("../../engine/engine.js")).getEngine();

export function registerLimitsCommands(program: Command): void {
  const limits = program.command("limits").description("tag concurrency limits: at most N running task runs carry the tag");
  limits
    .command("ls")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const rows = (await engine()).limits.list();
      if (opts.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      print(rows.length ? table(["TAG", "LIMIT", "ACTIVE"], rows.map((r) => [r.tag, String(r.slots), String(r.active)])) + "\n" : "no tag limits (set one: cellflow limits set db 2)\n");
    });
  limits
    .command("set <tag> <limit>")
    .description("allow at most <limit> running task runs with <tag>")
    .action(async (tag: string, limit: string) => {
      const n = Number(limit);
      if (!/^\d+$/.test(limit)) throw new CellflowError("USAGE", `limit '${limit}' for tag '${tag}' is not a whole number`, "e.g. cellflow limits set db 2");
      (await engine()).limits.set(tag, n);
      print(`limit set: at most ${n} running task runs tagged '${tag}'\n`);
    });
  limits
    .command("rm <tag>")
    .action(async (tag: string) => {
      if (!(await engine()).limits.remove(tag)) throw new CellflowError("USAGE", `no limit for tag '${tag}'`, "see them with: cellflow limits ls");
      print(`limit removed: ${tag}\n`);
    });
}
