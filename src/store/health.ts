// Is the store fit for a run? Checked once per opened store, before any user code: the database is sound
// (PRAGMA quick_check) and both it and the results folder take a write.

import fs from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import { CellflowError } from "../core/errors.js";
import { storeError } from "./store-errors.js";

/** Problems quick_check reports (empty when the database is sound). At most `limit` are listed. */
export function quickCheck(db: Database.Database, limit = 10): string[] {
  const rows = db.pragma(`quick_check(${limit})`) as Array<{ quick_check: string }>;
  return rows.flatMap((r) => r.quick_check.split("\n")).filter((line) => line !== "ok" && !line.startsWith("*** in database"));
}

/** Throw a one-line STORE error unless the store at `dbPath` is sound and writable. */
export function checkReadyForRun(db: Database.Database, dbPath: string, home: string, resultsDir: string): void {
  let problems: string[];
  try {
    problems = quickCheck(db, 3);
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
  const probe = path.join(resultsDir, `.probe-${process.pid}-${Date.now()}.tmp`);
  try {
    fs.writeFileSync(probe, Buffer.alloc(4096));
  } catch (error) {
    throw storeError(error, "write results to", dbPath, home);
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
