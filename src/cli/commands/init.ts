// `cellflow init`: create ./.cellflow (owner-only), the store every command run below this folder will use.

import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { HOME_DIR_NAME } from "../../store/home.js";

export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description(`create ./${HOME_DIR_NAME}: the store for this project (runs, results, logs, blocks)`)
    .action(async () => {
      const [{ Store }, { restrictPermissions }] = await Promise.all([import("../../store/store.js"), import("../../store/sqlite/create.js")]);
      const home = path.resolve(HOME_DIR_NAME);
      const existed = fs.existsSync(path.join(home, "cellflow.db"));
      Store.open(home).close();
      // A store made by an older version may be world-readable: init makes it owner-only either way.
      restrictPermissions(home);
      process.stdout.write(`${existed ? "already initialised" : "initialised"}: ${home}\n`);
    });
}
