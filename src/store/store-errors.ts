// Store failures as one line and a recovery hint: a corrupt, read-only, full or unopenable store names itself
// and says what to do, instead of surfacing SQLite's error with a stack.

import { CellflowError } from "../core/errors.js";

/**
 * The store's server went away mid-call (restarted, failed over, or ended the session): the next call reconnects,
 * so a long-lived process (a worker) goes on at its next step instead of exiting.
 */
export class StoreConnectionLost extends CellflowError {}

export type StoreFault = "corrupt" | "readonly" | "full" | "io" | "other";

/** What kind of trouble an error from SQLite or the file system means for the store. */
export function storeFault(error: unknown): StoreFault {
  const code = String((error as { code?: unknown })?.code ?? "");
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return "corrupt";
  if (/^SQLITE_READONLY/.test(code) || code === "EROFS" || code === "EACCES" || code === "EPERM") return "readonly";
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT") return "full";
  if (/^SQLITE_(IOERR|CANTOPEN)/.test(code) || code === "EIO") return "io";
  return "other";
}

const DOCTOR = "check it with `cellflow doctor`; `cellflow doctor --rebuild` saves what is readable into a new store";

/** A CellflowError("STORE") for `error`, met while `doing` (e.g. "open", "write to") the store at `dbPath`. */
export function storeError(error: unknown, doing: string, dbPath: string, home: string): CellflowError {
  const detail = (error as Error)?.message ?? String(error);
  switch (storeFault(error)) {
    case "corrupt":
      return new CellflowError("STORE", `the store ${dbPath} is corrupt (${detail})`, DOCTOR, { cause: error });
    case "readonly":
      return new CellflowError("STORE", `cannot ${doing} the store ${dbPath}: it is read-only (${detail})`, `make ${home} and its files writable, or point CELLFLOW_HOME at a writable folder`, { cause: error });
    case "full":
      return new CellflowError("STORE", `cannot ${doing} the store ${dbPath}: the disk is full (${detail})`, `free space on the disk that holds ${home}, then run again`, { cause: error });
    case "io":
      return new CellflowError("STORE", `cannot ${doing} the store ${dbPath}: ${detail}`, `check that ${home} is a readable, writable folder; ${DOCTOR}`, { cause: error });
    case "other":
      return new CellflowError("STORE", `cannot ${doing} the store ${dbPath}: ${detail}`, "check CELLFLOW_HOME points at a writable folder", { cause: error });
  }
}
