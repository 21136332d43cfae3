// Versioned schema migrations, applied in order inside one IMMEDIATE transaction; PRAGMA user_version is the version.

import type Database from "better-sqlite3";

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * Migration 13, the same SQL on SQLite and PostgreSQL (both lists take this one): cache keys scoped to their flow run
 * leave the global cache index.
 */
export const CACHE_SCOPE_MIGRATION: Migration = {
  version: 13,
  description: "cache keys scoped to their flow run leave the global cache index (a rerun finds them among its run's task runs)",
  // A run-scoped key is only ever looked up by a rerun of its own flow run, which reads that run's task runs anyway:
  // indexing it globally cost a random B-tree insert per task run. Rows written before this migration have no
  // scope (NULL) and stay in the index, so everything cached before stays reusable as it was.
  sql: `
    ALTER TABLE task_runs ADD COLUMN cache_scope TEXT;
    DROP INDEX task_runs_cache;
    CREATE INDEX task_runs_cache ON task_runs(cache_key) WHERE state_type = 'COMPLETED' AND cache_key IS NOT NULL AND cache_scope IS NULL;
  `,
};

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "flow runs, task runs, logs, results, tag concurrency limits",
    sql: `
      CREATE TABLE flow_runs (
        id TEXT PRIMARY KEY,
        flow_name TEXT NOT NULL,
        name TEXT NOT NULL,
        state_type TEXT NOT NULL,
        state_name TEXT NOT NULL,
        state_message TEXT NOT NULL DEFAULT '',
        state_ts INTEGER NOT NULL,
        history TEXT NOT NULL DEFAULT '[]',
        parameters TEXT NOT NULL DEFAULT '{}',
        attempt INTEGER NOT NULL DEFAULT 1,
        start_time INTEGER,
        end_time INTEGER,
        created_at INTEGER NOT NULL,
        entrypoint TEXT,
        parent_task_run_id TEXT,
        deployment_id TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        error TEXT,
        result_ref TEXT,
        owner TEXT,
        heartbeat INTEGER
      );
      CREATE INDEX flow_runs_created ON flow_runs(created_at DESC);
      CREATE INDEX flow_runs_state ON flow_runs(state_type);
      CREATE TABLE task_runs (
        id TEXT PRIMARY KEY,
        flow_run_id TEXT,
        flow_attempt INTEGER NOT NULL,
        task_name TEXT NOT NULL,
        dynamic_key TEXT NOT NULL,
        state_type TEXT NOT NULL,
        state_name TEXT NOT NULL,
        state_message TEXT NOT NULL DEFAULT '',
        state_ts INTEGER NOT NULL,
        history TEXT NOT NULL DEFAULT '[]',
        inputs TEXT NOT NULL DEFAULT '[]',
        upstream TEXT NOT NULL DEFAULT '[]',
        cache_key TEXT,
        cache_expires INTEGER,
        cache_reason TEXT NOT NULL DEFAULT '',
        cached_from TEXT,
        source_hash TEXT,
        result_ref TEXT,
        run_count INTEGER NOT NULL DEFAULT 0,
        start_time INTEGER,
        end_time INTEGER,
        tags TEXT NOT NULL DEFAULT '[]',
        subflow_run_id TEXT,
        error TEXT
      );
      CREATE INDEX task_runs_flow ON task_runs(flow_run_id, flow_attempt);
      CREATE INDEX task_runs_cache ON task_runs(cache_key) WHERE state_type = 'COMPLETED';
      CREATE TABLE logs (
        id INTEGER PRIMARY KEY,
        flow_run_id TEXT,
        task_run_id TEXT,
        level TEXT NOT NULL,
        message TEXT NOT NULL,
        ts INTEGER NOT NULL
      );
      CREATE INDEX logs_run ON logs(flow_run_id, id);
      CREATE TABLE results (
        ref TEXT PRIMARY KEY,
        bytes BLOB NOT NULL
      );
      CREATE TABLE concurrency_limits (
        tag TEXT PRIMARY KEY,
        slots INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE concurrency_slots (
        tag TEXT NOT NULL,
        task_run_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        acquired_at INTEGER NOT NULL,
        PRIMARY KEY (tag, task_run_id)
      );
    `,
  },
  {
    version: 2,
    description: "deployments and their schedules, scheduled flow runs (time, idempotency key), blocks",
    sql: `
      CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        entrypoint TEXT NOT NULL,
        flow_name TEXT NOT NULL,
        parameters TEXT NOT NULL DEFAULT '{}',
        catchup TEXT NOT NULL DEFAULT 'once',
        alerts TEXT NOT NULL DEFAULT '[]',
        paused INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE deployment_schedules (
        id TEXT PRIMARY KEY,
        deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        schedule TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        scheduled_through INTEGER NOT NULL,
        upcoming TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX deployment_schedules_deployment ON deployment_schedules(deployment_id, position);
      ALTER TABLE flow_runs ADD COLUMN scheduled_time INTEGER;
      ALTER TABLE flow_runs ADD COLUMN idempotency_key TEXT;
      CREATE UNIQUE INDEX flow_runs_idempotency ON flow_runs(idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX flow_runs_due ON flow_runs(scheduled_time) WHERE state_type = 'SCHEDULED';
      CREATE INDEX flow_runs_deployment ON flow_runs(deployment_id, scheduled_time) WHERE deployment_id IS NOT NULL;
      CREATE TABLE blocks (
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (type, name)
      );
    `,
  },
  {
    version: 3,
    description: "artifacts (versioned by key), a tag table kept by triggers, indexes for run filters",
    sql: `
      CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL,
        flow_run_id TEXT,
        task_run_id TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX artifacts_key_version ON artifacts(key, version);
      CREATE INDEX artifacts_flow_run ON artifacts(flow_run_id) WHERE flow_run_id IS NOT NULL;
      CREATE INDEX artifacts_created ON artifacts(created_at);
      CREATE TABLE flow_run_tags (
        tag TEXT NOT NULL,
        flow_run_id TEXT NOT NULL,
        PRIMARY KEY (tag, flow_run_id)
      ) WITHOUT ROWID;
      CREATE INDEX flow_run_tags_run ON flow_run_tags(flow_run_id);
      INSERT OR IGNORE INTO flow_run_tags (tag, flow_run_id) SELECT j.value, f.id FROM flow_runs f, json_each(f.tags) j;
      CREATE TRIGGER flow_runs_tags_insert AFTER INSERT ON flow_runs WHEN new.tags <> '[]' BEGIN
        INSERT OR IGNORE INTO flow_run_tags (tag, flow_run_id) SELECT value, new.id FROM json_each(new.tags);
      END;
      CREATE TRIGGER flow_runs_tags_update AFTER UPDATE OF tags ON flow_runs WHEN new.tags <> old.tags BEGIN
        DELETE FROM flow_run_tags WHERE flow_run_id = new.id;
        INSERT OR IGNORE INTO flow_run_tags (tag, flow_run_id) SELECT value, new.id FROM json_each(new.tags);
      END;
      CREATE TRIGGER flow_runs_tags_delete AFTER DELETE ON flow_runs WHEN old.tags <> '[]' BEGIN
        DELETE FROM flow_run_tags WHERE flow_run_id = old.id;
      END;
      CREATE INDEX flow_runs_flow_created ON flow_runs(flow_name, created_at);
      CREATE INDEX flow_runs_deployment_created ON flow_runs(deployment_id, created_at) WHERE deployment_id IS NOT NULL;
      CREATE INDEX flow_runs_state_name_created ON flow_runs(state_name, created_at);
      CREATE INDEX flow_runs_state_type_created ON flow_runs(state_type, created_at);
      DROP INDEX flow_runs_state;
    `,
  },
  {
    version: 4,
    description: "a change sequence on flow and task runs, so readers in other processes (the web UI) resume where they left off",
    sql: `
      ALTER TABLE flow_runs ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE task_runs ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX flow_runs_seq ON flow_runs(seq);
      CREATE INDEX task_runs_seq ON task_runs(seq);
      -- Writers are serialized by SQLite's write lock, so MAX(seq) + 1 commits in sequence order.
      CREATE TRIGGER flow_runs_seq_insert AFTER INSERT ON flow_runs BEGIN
        UPDATE flow_runs SET seq = (SELECT MAX(seq) FROM flow_runs) + 1 WHERE rowid = NEW.rowid;
      END;
      CREATE TRIGGER flow_runs_seq_update AFTER UPDATE OF state_type, state_name, state_message, state_ts, attempt, start_time, end_time, name, parameters ON flow_runs BEGIN
        UPDATE flow_runs SET seq = (SELECT MAX(seq) FROM flow_runs) + 1 WHERE rowid = NEW.rowid;
      END;
      CREATE TRIGGER task_runs_seq_insert AFTER INSERT ON task_runs BEGIN
        UPDATE task_runs SET seq = (SELECT MAX(seq) FROM task_runs) + 1 WHERE rowid = NEW.rowid;
      END;
      CREATE TRIGGER task_runs_seq_update AFTER UPDATE OF state_type, state_name, state_message, state_ts, start_time, end_time, run_count, cache_reason, subflow_run_id, error ON task_runs BEGIN
        UPDATE task_runs SET seq = (SELECT MAX(seq) FROM task_runs) + 1 WHERE rowid = NEW.rowid;
      END;
    `,
  },
  {
    version: 5,
    description: "run tags carry their run's creation time, so `runs ls --tag` walks one index newest first",
    sql: `
      DROP TRIGGER flow_runs_tags_insert;
      DROP TRIGGER flow_runs_tags_update;
      DROP TRIGGER flow_runs_tags_delete;
      DROP TABLE flow_run_tags;
      CREATE TABLE flow_run_tags (
        tag TEXT NOT NULL,
        flow_run_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (tag, flow_run_id)
      ) WITHOUT ROWID;
      CREATE INDEX flow_run_tags_created ON flow_run_tags(tag, created_at);
      CREATE INDEX flow_run_tags_run ON flow_run_tags(flow_run_id);
      INSERT OR IGNORE INTO flow_run_tags (tag, flow_run_id, created_at) SELECT j.value, f.id, f.created_at FROM flow_runs f, json_each(f.tags) j;
      CREATE TRIGGER flow_runs_tags_insert AFTER INSERT ON flow_runs WHEN new.tags <> '[]' BEGIN
        INSERT OR IGNORE INTO flow_run_tags (tag, flow_run_id, created_at) SELECT value, new.id, new.created_at FROM json_each(new.tags);
      END;
      CREATE TRIGGER flow_runs_tags_update AFTER UPDATE OF tags ON flow_runs WHEN new.tags <> old.tags BEGIN
        DELETE FROM flow_run_tags WHERE flow_run_id = new.id;
        INSERT OR IGNORE INTO flow_run_tags (tag, flow_run_id, created_at) SELECT value, new.id, new.created_at FROM json_each(new.tags);
      END;
      CREATE TRIGGER flow_runs_tags_delete AFTER DELETE ON flow_runs WHEN old.tags <> '[]' BEGIN
        DELETE FROM flow_run_tags WHERE flow_run_id = old.id;
      END;
    `,
  },
  {
    version: 6,
    description: "task runs take their change `seq` from the batch writer (once per batch), not from a trigger per row",
    sql: `
      DROP TRIGGER task_runs_seq_insert;
      DROP TRIGGER task_runs_seq_update;
    `,
  },
  {
    version: 7,
    description: "results in a table without rowid",
    sql: `
      -- One B-tree insert per result instead of a rowid row plus an index entry repeating the 64-character ref.
      CREATE TABLE results_by_ref (ref TEXT PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID;
      INSERT INTO results_by_ref (ref, bytes) SELECT ref, bytes FROM results;
      DROP TABLE results;
      ALTER TABLE results_by_ref RENAME TO results;
    `,
  },
  {
    version: 8,
    description: "workers on many machines: worker heartbeats, the worker a deployment run was claimed by, the crash retries it may use, its graphile-worker job, and task writes fenced by their flow run's attempt",
    // Workers on many machines need PostgreSQL; kept so the version numbers stay in step with it.
    sql: "SELECT 1",
  },
  {
    version: 9,
    description: "task runs handed to task workers: the worker holding a task run, the retries a crash may use, the job that carries it, and a notification when one ends",
    // Task workers need PostgreSQL; kept so the version numbers stay in step with it.
    sql: "SELECT 1",
  },
  {
    version: 10,
    description: "store-wide settings (result storage), seen by every process and machine on the store",
    sql: "CREATE TABLE cellflow_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;",
  },
  {
    version: 11,
    description: "where a flow run's task runs execute ('distributed' or null), so a rerun goes where its first attempt went",
    sql: "ALTER TABLE flow_runs ADD COLUMN task_runner TEXT;",
  },
  {
    version: 12,
    // PostgreSQL's task run triggers in one; SQLite has none (its writer numbers the rows): nothing to do here,
    // kept so both backends number and describe their migrations alike.
    description: "one trigger per task run write instead of three (fence, seq on insert, seq on update); seq moves when the row changed",
    sql: "SELECT 1;",
  },
  CACHE_SCOPE_MIGRATION,
];

/** Bring the database up to the newest schema. Safe when several processes open a new store at once. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = () => db.pragma("user_version", { simple: true }) as number;
  const target = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current() >= target) return current();
  const apply = db.transaction(() => {
    for (const m of migrations) {
      if (m.version <= current()) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  });
  apply.immediate();
  return current();
}
