// Creating a store: the folder is private (0700), the database appears whole (built under a temporary name,
// then renamed) and private (0600, which SQLite gives its -wal and -shm files too), so a 0-byte cellflow.db
// can only mean damage, never "new".

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { CellflowError } from "../../core/errors.js";
import { migrate } from "./migrations.js";
import { storeError } from "../store-errors.js";

export const DB_FILE_NAME = "cellflow.db";

/**
 * The page size of a new store. Batched writes append rows to the right edge of task_runs and its indexes, and
 * each page a commit changes is one WAL frame (two writes) and, at the checkpoint, one more read and write: 16 KiB
 * pages made a trivial task run's write ~1.5 µs (~18%) cheaper than SQLite's default 4 KiB here. Stores created
 * before keep the size they were created with.
 */
export const STORE_PAGE_SIZE = 16384;

/** Files under a home that hold run data or keys: owner-only. */
const PRIVATE_FILES = [DB_FILE_NAME, `${DB_FILE_NAME}-wal`, `${DB_FILE_NAME}-shm`, "secret.key"];

/**
 * Make sure `home` and its results folder exist and that `home/cellflow.db` is a database: create it when
 * missing; refuse an empty one. Returns whether it was created now.
 */
export function prepareStoreFiles(home: string): boolean {
  const dbPath = path.join(home, DB_FILE_NAME);
  const homeExisted = fs.existsSync(home);
  try {
    fs.mkdirSync(path.join(home, "results"), { recursive: true, mode: 0o700 });
    if (!homeExisted) fs.chmodSync(home, 0o700);
  } catch (error) {
    throw storeError(error, "create", dbPath, home);
  }
  let size: number;
  try {
    size = fs.statSync(dbPath).size;
  } catch {
    createDatabase(home, dbPath);
    return true;
  }
  if (size === 0) {
    throw new CellflowError(
      "STORE",
      `the store ${dbPath} is empty (0 bytes): it was truncated or damaged (cellflow never leaves an empty store)`,
      `restore it from a backup, or move it away to start a new store; \`cellflow doctor\` shows what is there`,
    );
  }
  return false;
}

/** Build a new database under a temporary name (0600, WAL, migrated), then rename it into place. */
function createDatabase(home: string, dbPath: string): void {
  const temp = path.join(home, `.${DB_FILE_NAME}.${process.pid}.${Date.now()}.new`);
  try {
    fs.closeSync(fs.openSync(temp, "wx", 0o600));
    const db = new Database(temp);
    try {
      // Before the first page is written (the size is fixed from then on, and WAL keeps it): see STORE_PAGE_SIZE.
      db.pragma(`page_size = ${STORE_PAGE_SIZE}`);
      db.pragma("journal_mode = WAL");
      migrate(db);
    } finally {
      db.close();
    }
    // Another process may have created the store meanwhile: keep theirs (a hard link never replaces a file).
    try {
      fs.linkSync(temp, dbPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPERM" || code === "ENOTSUP") fs.renameSync(temp, dbPath);
      else if (code !== "EEXIST") throw error;
    }
  } catch (error) {
    throw storeError(error, "create", dbPath, home);
  } finally {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) fs.rmSync(leftover, { force: true });
  }
}

/** Owner-only permissions on the home folder and its database and key files (what `cellflow init` enforces). */
export function restrictPermissions(home: string): void {
  fs.chmodSync(home, 0o700);
  for (const name of PRIVATE_FILES) {
    try {
      fs.chmodSync(path.join(home, name), 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}
