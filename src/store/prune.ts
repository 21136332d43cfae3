// Deleting runs: a flow run with its subflow runs, task runs, logs and artifacts, and the results no remaining
// run references (content-addressed, so a result a newer run reused as its cache entry stays). Never a live run.

import fs from "node:fs";
import type { SqlDatabase } from "./sql.js";
import { CellflowError } from "../core/errors.js";
import { resultPath } from "./results.js";
import { isOwnRef } from "./serialize.js";
import { runFilterSql } from "./run-filters.js";
import { TERMINAL } from "../core/states.js";
import { TERMINAL_TYPES_SQL } from "./run-state.js";

export interface DeleteSummary {
  /** Flow runs deleted, subflow runs included. */
  runs: number;
  taskRuns: number;
  logs: number;
  artifacts: number;
  /** Results no remaining run references, inline rows and files together. */
  results: number;
}

/** States a run can be deleted in: ended, or planned and not claimed. */
const DELETABLE = `(${[...TERMINAL, "SCHEDULED"].map((t) => `'${t}'`).join(", ")})`;
/** Runs deleted per transaction, so other processes' writes wait at most one chunk. */
const CHUNK = 2000;

/** Ids of top-level runs created before `before` that have ended, optionally in one state, oldest first. */
export function selectPrunable(db: SqlDatabase, options: { before: number; state?: string }): string[] {
  const { where, args } = runFilterSql({ before: options.before, state: options.state });
  const sql = `SELECT id FROM flow_runs ${where} AND parent_task_run_id IS NULL AND state_type IN ${TERMINAL_TYPES_SQL} ORDER BY created_at`;
  return (db.prepare(sql).all(...args) as Array<{ id: string }>).map((r) => r.id);
}

class Rollback extends Error {}

/**
 * Delete the flow runs `ids` (full ids) and everything hanging off them. A run that has not ended (or a subflow
 * of it) is refused before anything is deleted. With `dryRun` the same statements run and are rolled back, so
 * the counts are exact.
 */
export function deleteRuns(db: SqlDatabase, resultsDirs: string[], ids: string[], options: { dryRun?: boolean } = {}): DeleteSummary {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS doomed_runs (id TEXT PRIMARY KEY);
           CREATE TEMP TABLE IF NOT EXISTS doomed_refs (ref TEXT PRIMARY KEY);
           DELETE FROM doomed_runs; DELETE FROM doomed_refs;`);
  const summary: DeleteSummary = { runs: 0, taskRuns: 0, logs: 0, artifacts: 0, results: 0 };
  const addRoot = db.prepare("INSERT INTO doomed_runs (id) VALUES (?) ON CONFLICT DO NOTHING");
  const addChildren = db.prepare(
    "INSERT INTO doomed_runs (id) SELECT subflow_run_id FROM task_runs WHERE flow_run_id IN (SELECT id FROM doomed_runs) AND subflow_run_id IS NOT NULL ON CONFLICT DO NOTHING",
  );
  const live = db.prepare(`SELECT id, name, state_name FROM flow_runs WHERE id IN (SELECT id FROM doomed_runs) AND state_type NOT IN ${DELETABLE} LIMIT 1`);
  const steps = [
    db.prepare("INSERT INTO doomed_refs (ref) SELECT result_ref FROM task_runs WHERE flow_run_id IN (SELECT id FROM doomed_runs) AND result_ref IS NOT NULL ON CONFLICT DO NOTHING"),
    db.prepare("INSERT INTO doomed_refs (ref) SELECT result_ref FROM flow_runs WHERE id IN (SELECT id FROM doomed_runs) AND result_ref IS NOT NULL ON CONFLICT DO NOTHING"),
  ];
  const deletes = {
    logs: db.prepare("DELETE FROM logs WHERE flow_run_id IN (SELECT id FROM doomed_runs)"),
    artifacts: db.prepare("DELETE FROM artifacts WHERE flow_run_id IN (SELECT id FROM doomed_runs)"),
    taskRuns: db.prepare("DELETE FROM task_runs WHERE flow_run_id IN (SELECT id FROM doomed_runs)"),
    runs: db.prepare("DELETE FROM flow_runs WHERE id IN (SELECT id FROM doomed_runs)"),
  };

  const chunk = (part: string[]) => {
    db.exec("DELETE FROM doomed_runs");
    for (const id of part) addRoot.run(id);
    while (addChildren.run().changes > 0);
    const running = live.get() as { id: string; name: string; state_name: string } | undefined;
    if (running) {
      throw new CellflowError("USAGE", `run ${running.name} (${running.id.slice(0, 8)}) is ${running.state_name}; nothing was deleted`, `cancel it first (cellflow runs cancel ${running.id.slice(0, 8)}) or wait until it ends`);
    }
    for (const step of steps) step.run();
    summary.logs += deletes.logs.run().changes;
    summary.artifacts += deletes.artifacts.run().changes;
    summary.taskRuns += deletes.taskRuns.run().changes;
    summary.runs += deletes.runs.run().changes;
  };

  // Results still referenced by a remaining task run or flow run (a newer run's cache hit) stay.
  const keepReferenced = () => {
    db.exec(`DELETE FROM doomed_refs WHERE ref IN (SELECT result_ref FROM task_runs WHERE result_ref IN (SELECT ref FROM doomed_refs));
             DELETE FROM doomed_refs WHERE ref IN (SELECT result_ref FROM flow_runs WHERE result_ref IN (SELECT ref FROM doomed_refs));`);
    const refs = (db.prepare("SELECT ref FROM doomed_refs").all() as Array<{ ref: string }>).map((r) => r.ref);
    const inline = db.prepare("DELETE FROM results WHERE ref IN (SELECT ref FROM doomed_refs)").run().changes;
    // A result file is in the result storage, or under CELLFLOW_HOME when it was written before that was set.
    const files: string[] = [];
    let filed = 0;
    for (const ref of refs) {
      if (isOwnRef(ref)) continue; // held by its row, gone with it
      const found = resultsDirs.map((dir) => resultPath(dir, ref)).filter((file) => fs.existsSync(file));
      files.push(...found);
      if (found.length > 0) filed++;
    }
    summary.results = inline + filed;
    return files;
  };

  if (options.dryRun) {
    try {
      db.transaction(() => {
        chunk(ids);
        keepReferenced();
        throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
    }
    return summary;
  }
  // Check every root first, so a refusal deletes nothing even when the list spans several chunks.
  if (ids.length > CHUNK) {
    for (let i = 0; i < ids.length; i += CHUNK) {
      db.exec("DELETE FROM doomed_runs");
      for (const id of ids.slice(i, i + CHUNK)) addRoot.run(id);
      const running = live.get() as { id: string; name: string; state_name: string } | undefined;
      if (running) throw new CellflowError("USAGE", `run ${running.name} (${running.id.slice(0, 8)}) is ${running.state_name}; nothing was deleted`, `cancel it first (cellflow runs cancel ${running.id.slice(0, 8)}) or wait until it ends`);
    }
  }
  for (let i = 0; i < ids.length; i += CHUNK) db.transaction(() => chunk(ids.slice(i, i + CHUNK)));
  const files = db.transaction(keepReferenced);
  // Files go after the commit: a crash in between leaves an unreferenced file, never a reference to a missing one.
  for (const file of files) fs.rmSync(file, { force: true });
  db.exec("DELETE FROM doomed_runs; DELETE FROM doomed_refs;");
  return summary;
}
