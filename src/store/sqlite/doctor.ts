// `cellflow doctor`'s work: examine a store without trusting it (integrity, writability), back it up, and
// rebuild a damaged one: move it aside, create a new store, copy every row that can still be read.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { DB_FILE_NAME, prepareStoreFiles } from "./create.js";

export interface Diagnosis {
  dbPath: string;
  exists: boolean;
  bytes: number;
  /** integrity_check's findings; empty when sound. */
  problems: string[];
  /** Set when the file could not even be opened or read as a database. */
  openError: string | null;
  /** Whether a test file can be written in the store's folder. */
  writable: boolean;
}

/** Look at the store in `home` read-only; never throws for a damaged store. */
export function diagnose(home: string): Diagnosis {
  const dbPath = path.join(home, DB_FILE_NAME);
  const out: Diagnosis = { dbPath, exists: fs.existsSync(dbPath), bytes: 0, problems: [], openError: null, writable: folderWritable(home) };
  if (!out.exists) return out;
  out.bytes = fs.statSync(dbPath).size;
  if (out.bytes === 0) {
    out.openError = "the file is empty (0 bytes)";
    return out;
  }
  let db: Database.Database | null = null;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const rows = db.pragma("integrity_check(20)") as Array<{ integrity_check: string }>;
    out.problems = rows.flatMap((r) => r.integrity_check.split("\n")).filter((line) => line !== "ok" && !line.startsWith("*** in database"));
  } catch (error) {
    out.openError = (error as Error).message;
  } finally {
    db?.close();
  }
  return out;
}

function folderWritable(home: string): boolean {
  const probe = path.join(home, `.doctor-probe-${process.pid}.tmp`);
  try {
    fs.writeFileSync(probe, "x");
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

/** A consistent copy of a readable store at `target` (SQLite's online backup). */
export async function backupStore(home: string, target: string): Promise<void> {
  const db = new Database(path.join(home, DB_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    await db.backup(target);
    fs.chmodSync(target, 0o600);
  } finally {
    db.close();
  }
}

export interface SalvageReport {
  /** Where the damaged files were moved. */
  movedTo: string;
  /** Rows copied per table, and whether some of the table could not be read. */
  tables: Array<{ table: string; saved: number; damaged: boolean }>;
  /** Set when nothing could be read from the old file (its schema is unreadable). */
  unreadable: string | null;
}

/**
 * Move the damaged database (and its -wal/-shm) aside as `cellflow.db.damaged-<time>`, create a new store in
 * its place, and copy into it every row of every table that can still be read.
 */
export function rebuildStore(home: string, now = Date.now()): SalvageReport {
  const dbPath = path.join(home, DB_FILE_NAME);
  const movedTo = `${dbPath}.damaged-${new Date(now).toISOString().replace(/[:.]/g, "-")}`;
  for (const suffix of ["", "-wal", "-shm"]) {
    if (fs.existsSync(dbPath + suffix)) fs.renameSync(dbPath + suffix, movedTo + suffix);
  }
  prepareStoreFiles(home);
  const report: SalvageReport = { movedTo, tables: [], unreadable: null };
  if (!fs.existsSync(movedTo) || fs.statSync(movedTo).size === 0) {
    report.unreadable = "the old file was empty";
    return report;
  }
  const target = new Database(dbPath);
  let source: Database.Database | null = null;
  try {
    source = new Database(movedTo, { fileMustExist: true });
    target.pragma("foreign_keys = OFF");
    const tables = (target.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid").all() as Array<{ name: string }>).map((t) => t.name);
    for (const table of tables) report.tables.push({ table, ...salvageTable(source, target, table) });
  } catch (error) {
    report.unreadable = (error as Error).message;
  } finally {
    source?.close();
    target.close();
  }
  return report;
}

/** Copy readable rows in rowid order; past a damaged stretch, skip ahead in growing steps and try again. */
function salvageTable(source: Database.Database, target: Database.Database, table: string): { saved: number; damaged: boolean } {
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  let columns: string[];
  let select: Database.Statement;
  let insert: Database.Statement;
  try {
    const theirs = new Set((source.pragma(`table_info(${q(table)})`) as Array<{ name: string }>).map((c) => c.name));
    columns = (target.pragma(`table_info(${q(table)})`) as Array<{ name: string }>).map((c) => c.name).filter((c) => theirs.has(c));
    if (columns.length === 0) return { saved: 0, damaged: false };
    const list = columns.map(q).join(", ");
    select = source.prepare(`SELECT rowid AS "__rowid", ${list} FROM ${q(table)} WHERE rowid > ? ORDER BY rowid`);
    insert = target.prepare(`INSERT OR IGNORE INTO ${q(table)} (${list}) VALUES (${columns.map(() => "?").join(", ")})`);
  } catch {
    return { saved: 0, damaged: true };
  }
  let saved = 0;
  const write = target.transaction((rows: unknown[][]) => {
    for (const values of rows) saved += insert.run(values).changes;
  });
  let after = Number.MIN_SAFE_INTEGER;
  let damaged = false;
  let step = 1;
  let batch: unknown[][] = [];
  for (let failures = 0; failures < 64; failures++) {
    try {
      for (const row of select.iterate(after) as Iterable<Record<string, unknown>>) {
        batch.push(columns.map((c) => row[c]));
        after = row.__rowid as number;
        if (batch.length >= 500) {
          write(batch);
          batch = [];
        }
      }
      write(batch);
      return { saved, damaged };
    } catch {
      // What was read before the damage is kept; then jump past it in growing steps.
      write(batch);
      batch = [];
      damaged = true;
      after = after === Number.MIN_SAFE_INTEGER ? step : after + step;
      step *= 4;
    }
  }
  return { saved, damaged };
}
