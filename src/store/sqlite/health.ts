// Is the SQLite database fit for a run? Checked once per opened store, before any user code: it is sound
// (PRAGMA quick_check) and takes a commit.

import fs from "node:fs";
import type Database from "better-sqlite3";
import { CellflowError } from "../../core/errors.js";
import { storeError } from "../store-errors.js";

/** Problems quick_check reports (empty when the database is sound). At most `limit` are listed. */
export function quickCheck(db: Database.Database, limit = 10): string[] {
  const rows = db.pragma(`quick_check(${limit})`) as Array<{ quick_check: string }>;
  return rows.flatMap((r) => r.quick_check.split("\n")).filter((line) => line !== "ok" && !line.startsWith("*** in database"));
}

/**
 * quick_check reads every page: measured here at ~8 ms per MB (0.6 s for a store holding 100,000 task runs).
 * Above this size only the schema and the small tables are checked before a run; the bulk tables (task runs,
 * logs, results) are left to `cellflow doctor`. Set CELLFLOW_STORE_CHECK_MB to move the line.
 */
const FULL_CHECK_MAX_MB = Number(process.env.CELLFLOW_STORE_CHECK_MB) || 32;
const BULK_TABLES = new Set(["task_runs", "logs", "results"]);

/** Problems found by the check that fits the store's size. */
function checkBeforeRun(db: Database.Database, dbPath: string): string[] {
  let bytes = 0;
  for (const file of [dbPath, `${dbPath}-wal`]) {
    try {
      bytes += fs.statSync(file).size;
    } catch {
      // no WAL yet
    }
  }
  if (bytes <= FULL_CHECK_MAX_MB * 1048576) return quickCheck(db, 3);
  const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name).filter((t) => !BULK_TABLES.has(t));
  for (const table of tables) {
    const rows = db.pragma(`quick_check("${table.replace(/"/g, '""')}")`) as Array<{ quick_check: string }>;
    const problems = rows.flatMap((r) => r.quick_check.split("\n")).filter((line) => line !== "ok" && !line.startsWith("*** in database"));
    if (problems.length > 0) return problems;
  }
  return [];
}

/** Throw a one-line STORE error unless the database at `dbPath` is sound and takes a commit. */
export function checkReadyForRun(db: Database.Database, dbPath: string, home: string): void {
  let problems: string[];
  try {
    problems = checkBeforeRun(db, dbPath);
  } catch (error) {
    throw storeError(error, "check", dbPath, home);
  }
  if (problems.length > 0) {
    throw new CellflowError("STORE", `the store ${dbPath} is corrupt (${problems[0]})`, "check it with `cellflow doctor`; `cellflow doctor --rebuild` saves what is readable into a new store");
  }
  try {
    // A real commit (rewriting the schema version with its own value) appends to the write-ahead log.
    const version = db.pragma("user_version", { simple: true }) as number;
    db.transaction(() => db.pragma(`user_version = ${version}`)).immediate();
  } catch (error) {
    throw storeError(error, "write to", dbPath, home);
  }
}
