// `cellflow config ls|set|unset`: settings kept in the store itself, so one command configures every process and
// every machine that shares it (today: where results too large for the database go).

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { table, print } from "../output.js";

/** Every setting, with what it does: an unknown key is refused, naming these. */
const SETTINGS: Record<string, string> = {
  "result-storage": "the filesystem block (a folder every machine mounts) that holds results over 4 KB; unset: under each machine's CELLFLOW_HOME",
};

function checkKey(key: string): void {
  if (!Object.prototype.hasOwnProperty.call(SETTINGS, key)) {
    throw new CellflowError("USAGE", `unknown setting '${key}'`, `known settings: ${Object.keys(SETTINGS).join(", ")} (see them with: cellflow config ls)`);
  }
}

async function load() {
  const { getEngine } = await import("../../engine/engine.js");
  return { store: getEngine().store };
}

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("settings stored in the store, seen by every machine that uses it (result-storage)");

  config
    .command("ls")
    .description("every setting, set or not")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { store } = await load();
      const set = new Map(store.settings.list().map((row) => [row.key, row]));
      const rows = Object.keys(SETTINGS).map((key) => ({ key, value: set.get(key)?.value ?? null, updatedAt: set.get(key)?.updatedAt ?? null, description: SETTINGS[key] }));
      if (opts.json) {
        return void process.stdout.write(JSON.stringify(rows.map((r) => ({ ...r, updatedAt: r.updatedAt === null ? null : new Date(r.updatedAt).toISOString() })), null, 2) + "\n");
      }
      print(table(["SETTING", "VALUE", "WHAT"], rows.map((r) => [r.key, r.value ?? "-", r.description])) + "\n");
    });

  config
    .command("set <key> <value>")
    .description("set a setting for every machine on the store, e.g. `cellflow config set result-storage shared`")
    .action(async (key: string, value: string) => {
      checkKey(key);
      const { store } = await load();
      const storage = store.setResultStorage(value);
      print(`result-storage set: results over 4 KB go to filesystem block '${storage.block}' (${storage.dir}) from every machine on this store\n`);
    });

  config
    .command("unset <key>")
    .description("remove a setting")
    .action(async (key: string) => {
      checkKey(key);
      const { store } = await load();
      if (!store.unsetResultStorage()) throw new CellflowError("USAGE", `setting '${key}' is not set`, "see the settings with: cellflow config ls");
      print(`${key} unset: results over 4 KB go under each machine's CELLFLOW_HOME from now on; those already in its folder are not read from there any more (set it again to read them)\n`);
    });
}
