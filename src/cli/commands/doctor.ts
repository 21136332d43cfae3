// `cellflow doctor [--backup <file>] [--rebuild]`: check the store's integrity and writability, copy it, or
// rebuild a damaged one from what can still be read.

import path from "node:path";
import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { resolveHome } from "../../store/home.js";

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("check the store (integrity, writable), back it up, or rebuild a damaged one from what is readable")
    .option("--backup <file>", "write a consistent copy of the store to <file>")
    .option("--rebuild", "move the damaged database aside and copy every readable row into a new one")
    .action(async (opts: { backup?: string; rebuild?: boolean }) => {
      const home = resolveHome();
      const out = (line: string) => process.stdout.write(line + "\n");
      if (process.env.CELLFLOW_DATABASE_URL?.trim()) {
        await doctorPostgres(home, opts, out);
        return;
      }
      const { backupStore, diagnose, rebuildStore } = await import("../../store/sqlite/doctor.js");
      if (opts.rebuild) {
        const report = rebuildStore(home);
        out(`moved the damaged store to ${report.movedTo}`);
        if (report.unreadable) out(`nothing could be read from it (${report.unreadable}); started a new, empty store`);
        for (const t of report.tables) if (t.saved > 0 || t.damaged) out(`  ${t.table}: ${t.saved} rows saved${t.damaged ? " (some rows were unreadable)" : ""}`);
        out(`new store: ${path.join(home, "cellflow.db")}; runs left Running there will show as Crashed`);
        return;
      }
      const d = diagnose(home);
      out(`store: ${d.dbPath}${d.exists ? ` (${d.bytes} bytes)` : " (does not exist yet: any command creates it)"}`);
      out(`folder writable: ${d.writable ? "yes" : "NO"}`);
      if (!d.exists) return;
      const sound = !d.openError && d.problems.length === 0;
      if (d.openError) out(`integrity: cannot read it: ${d.openError}`);
      else if (d.problems.length > 0) out(`integrity: ${d.problems.length} problem${d.problems.length === 1 ? "" : "s"}:\n${d.problems.map((p) => `  ${p}`).join("\n")}`);
      else out("integrity: ok");
      if (opts.backup) {
        if (!sound) throw new CellflowError("STORE", "a damaged store cannot be backed up consistently", "copy the files by hand, or rebuild it with `cellflow doctor --rebuild`");
        await backupStore(home, path.resolve(opts.backup));
        out(`backup written: ${path.resolve(opts.backup)}`);
      }
      if (!sound) {
        out("next: `cellflow doctor --rebuild` moves it aside and saves every readable row into a new store");
        process.exitCode = 1;
      } else if (!d.writable) {
        out(`next: make ${home} writable, or point CELLFLOW_HOME at a writable folder`);
        process.exitCode = 1;
      }
    });
}

/**
 * On PostgreSQL the server keeps its own pages sound; the doctor checks what Cellflow owns: the connection, the
 * schema version, every table readable, the results folder and the result storage writable. Backup and rebuild are the server's.
 */
async function doctorPostgres(home: string, opts: { backup?: string; rebuild?: boolean }, out: (line: string) => void): Promise<void> {
  if (opts.backup || opts.rebuild) {
    throw new CellflowError(
      "STORE",
      `cellflow doctor ${opts.backup ? "--backup" : "--rebuild"} works on the embedded SQLite store, not on PostgreSQL`,
      "back up and restore a PostgreSQL store with pg_dump and pg_restore",
    );
  }
  const { Store } = await import("../../store/store.js");
  const store = Store.open(home, { reap: false });
  try {
    out(`store: ${store.dbPath} (${store.compact(false)} bytes)`);
    let writable = true;
    try {
      store.checkWritable();
    } catch (error) {
      writable = false;
      out(`results folder writable: NO (${(error as Error).message})`);
    }
    if (writable) out(`results folder writable: yes (${store.resultsDir})`);
    try {
      const storage = store.checkResultStorage();
      out(storage ? `result storage: filesystem block '${storage.block}' (${storage.dir}), writable` : `result storage: not set, so results over 4 KB stay under ${store.resultsDir} on this machine (share them: cellflow config set result-storage <filesystem block>)`);
    } catch (error) {
      writable = false;
      out(`result storage: NO (${(error as Error).message})`);
    }
    const integrity = store.integrityCheck();
    out(`integrity: ${integrity}`);
    if (integrity !== "ok" || !writable) process.exitCode = 1;
  } finally {
    store.close();
  }
}
