// A PostgreSQL URL as Cellflow names it in messages (password hidden), and the check that it is one.

import { CellflowError } from "../../core/errors.js";

/** `postgres://u:secret@h/db` → `postgres://u:***@h/db`; anything unparsable is shown as given minus a password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

/** Refuse anything that is not a postgres:// or postgresql:// URL naming a database. */
export function checkDatabaseUrl(url: string): void {
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CellflowError("STORE", `CELLFLOW_DATABASE_URL '${shown}' is not a URL`, "set it to postgres://user:password@host:5432/database, or unset it to use the embedded SQLite store");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new CellflowError(
      "STORE",
      `CELLFLOW_DATABASE_URL '${shown}' has scheme '${parsed.protocol.replace(/:$/, "")}', not postgres`,
      "set it to postgres://user:password@host:5432/database, or unset it to use the embedded SQLite store",
    );
  }
  if (parsed.pathname.replace(/^\//, "") === "") {
    throw new CellflowError("STORE", `CELLFLOW_DATABASE_URL '${shown}' names no database`, "add the database name: postgres://user@host:5432/cellflow");
  }
}
