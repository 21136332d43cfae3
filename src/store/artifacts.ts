// Artifacts in the store: table, markdown and link artifacts attached to runs, versioned by key (1, 2, … per key).

import type { SqlDatabase } from "./sql.js";
import type { ArtifactData, ArtifactRecord, ArtifactType } from "../core/records.js";

export type { ArtifactData, ArtifactRecord, ArtifactType };

interface ArtifactRow {
  id: string;
  key: string;
  version: number;
  type: string;
  description: string;
  data: string;
  flow_run_id: string | null;
  task_run_id: string | null;
  created_at: number;
}

function fromRow(row: ArtifactRow): ArtifactRecord {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    type: row.type as ArtifactType,
    description: row.description,
    data: JSON.parse(row.data) as ArtifactData,
    flowRunId: row.flow_run_id,
    taskRunId: row.task_run_id,
    createdAt: row.created_at,
  };
}

export interface NewArtifact {
  key: string;
  type: ArtifactType;
  description?: string;
  /** Already JSON text. */
  data: string;
  flowRunId: string | null;
  taskRunId: string | null;
}

/** Insert the next version of `key` (one statement, so two writers never take the same version). */
export function insertArtifact(db: SqlDatabase, artifact: NewArtifact, now = Date.now()): ArtifactRecord {
  const row = db
    .prepare(
      `INSERT INTO artifacts (id, key, version, type, description, data, flow_run_id, task_run_id, created_at)
       VALUES (?, ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM artifacts WHERE key = ?), ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .get(crypto.randomUUID(), artifact.key, artifact.key, artifact.type, artifact.description ?? "", artifact.data, artifact.flowRunId, artifact.taskRunId, now) as ArtifactRow;
  return fromRow(row);
}

export interface ListArtifactsOptions {
  /** Artifacts of this flow run (its task runs' included). */
  flowRunId?: string;
  taskRunId?: string;
  key?: string;
  /** Only the newest version of each key. @default false */
  latest?: boolean;
  /** @default 200 */
  limit?: number;
}

/** Artifacts matching the filter: a run's in the order they were made; otherwise newest first. */
export function listArtifacts(db: SqlDatabase, options: ListArtifactsOptions = {}): ArtifactRecord[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (options.flowRunId !== undefined) {
    where.push("flow_run_id = ?");
    args.push(options.flowRunId);
  }
  if (options.taskRunId !== undefined) {
    where.push("task_run_id = ?");
    args.push(options.taskRunId);
  }
  if (options.key !== undefined) {
    where.push("key = ?");
    args.push(options.key);
  }
  if (options.latest) where.push("version = (SELECT MAX(version) FROM artifacts a2 WHERE a2.key = artifacts.key)");
  const order = options.flowRunId !== undefined || options.taskRunId !== undefined ? "created_at, version" : "created_at DESC, version DESC";
  const sql = `SELECT * FROM artifacts ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT ?`;
  return (db.prepare(sql).all(...args, options.limit ?? 200) as ArtifactRow[]).map(fromRow);
}

/** Every version of a key, newest first (empty when the key is unknown). */
export function getArtifactVersions(db: SqlDatabase, key: string): ArtifactRecord[] {
  return (db.prepare("SELECT * FROM artifacts WHERE key = ? ORDER BY version DESC").all(key) as ArtifactRow[]).map(fromRow);
}
