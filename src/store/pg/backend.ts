// The PostgreSQL backend (CELLFLOW_DATABASE_URL=postgres://…): a synchronous connection, the schema migrated
// under an advisory lock, and the upkeep SQLite does on its file done the PostgreSQL way (VACUUM, size, checks).

import fs from "node:fs";
import path from "node:path";
import { CellflowError } from "../../core/errors.js";
import type { StoreBackend } from "../backend.js";
import { PgConnection, PgStatementError } from "./connection.js";
import { CHANGES_CHANNEL, migratePg, pgSchemaVersion, PG_MIGRATIONS } from "./migrations.js";

/** Tables every store has, read by the consistency check. */
const TABLES = ["flow_runs", "task_runs", "logs", "results", "artifacts", "deployments", "deployment_schedules", "blocks", "concurrency_limits", "concurrency_slots", "flow_run_tags", "cellflow_workers", "cellflow_settings"];

export class PgBackend implements StoreBackend {
  readonly db: PgConnection;
  readonly location: string;

  /** Connect to `url` and migrate; a refused connection, a missing database or a failed migration is one STORE error. */
  constructor(url: string, home: string) {
    // Results too large to inline and the block secrets key still live under CELLFLOW_HOME.
    fs.mkdirSync(path.join(home, "results"), { recursive: true, mode: 0o700 });
    this.db = new PgConnection(url);
    this.location = this.db.shownUrl;
    try {
      migratePg(this.db);
    } catch (error) {
      this.db.close();
      throw pgStoreError(error, "migrate", this.location);
    }
  }

  /** The server answered at connect time and the schema is migrated; what is left: it takes writes (not a standby). */
  checkReadyForRun(): void {
    const row = this.db.prepare("SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS readonly").get() as { standby: boolean; readonly: string };
    if (row.standby || row.readonly === "on") {
      throw new CellflowError("STORE", `the PostgreSQL store ${this.location} is read-only${row.standby ? " (a standby server)" : ""}`, "point CELLFLOW_DATABASE_URL at the primary, or at a user that may write");
    }
  }

  /** VACUUM the run tables when asked (PostgreSQL's autovacuum does the rest); returns the database's size in bytes. */
  compact(vacuum: boolean): number {
    if (vacuum) this.db.exec("VACUUM (ANALYZE) flow_runs, task_runs, logs, results, artifacts, flow_run_tags");
    return (this.db.prepare("SELECT pg_database_size(current_database()) AS n").get() as { n: number }).n;
  }

  /** PostgreSQL checks its own pages; here: the schema is at the version this build expects and every table reads. */
  integrityCheck(): string {
    const problems: string[] = [];
    const expected = PG_MIGRATIONS[PG_MIGRATIONS.length - 1].version;
    const version = pgSchemaVersion(this.db);
    if (version !== expected) problems.push(`schema version ${version}, expected ${expected}`);
    for (const table of TABLES) {
      try {
        this.db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).all();
      } catch (error) {
        problems.push(`${table}: ${(error as Error).message}`);
      }
    }
    return problems.length === 0 ? "ok" : problems.join("; ");
  }

  /** Moves when any process commits a run change (the shared seq) or a log line. */
  dataVersion(): number {
    return (this.db.prepare("SELECT (SELECT last_value FROM cellflow_seq) + COALESCE((SELECT MAX(id) FROM logs), 0) AS n").get() as { n: number }).n;
  }

  /** LISTEN/NOTIFY: the notify triggers of migration 4 fire at every commit that changes runs or logs. */
  onChange(listener: () => void): () => void {
    return this.db.onNotify(CHANGES_CHANNEL, listener);
  }

  asyncCommits(): void {
    this.db.setSession("synchronous_commit", "off");
  }

  onNotify(channel: string, listener: () => void): () => void {
    return this.db.onNotify(channel, listener);
  }

  /** The server's cache is shared and managed by PostgreSQL: nothing to trade here. */
  useSmallCache(): void {}

  explainQueryPlan(sql: string, params: unknown[]): string[] {
    return (this.db.prepare(`EXPLAIN ${sql}`).all(...params) as Array<{ "QUERY PLAN": string }>).map((r) => r["QUERY PLAN"]);
  }

  close(): void {
    this.db.close();
  }
}

/** A STORE error for a failure met while `doing` something to the PostgreSQL store. */
export function pgStoreError(error: unknown, doing: string, location: string): CellflowError {
  if (error instanceof CellflowError) return error;
  const code = error instanceof PgStatementError && error.code ? ` [${error.code}]` : "";
  return new CellflowError("STORE", `cannot ${doing} the PostgreSQL store ${location}: ${(error as Error)?.message ?? String(error)}${code}`, "check the server's log and that the user may create tables in this database", { cause: error });
}
