// The store: run records, logs, results and the rest, on one backend (embedded SQLite by default) behind one
// SQL interface; reads here, writes batched.

import fs from "node:fs";
import path from "node:path";
import { CellflowError } from "../core/errors.js";
import type { FlowRunRecord, LogRecord, TaskRunRecord } from "../core/records.js";
import type { State, StateName } from "../core/states.js";
import { echo } from "../core/input-bounds.js";
import { resolveHome } from "./home.js";
import { storeError } from "./store-errors.js";
import type { SqlDatabase } from "./sql.js";
import type { StoreBackend } from "./backend.js";
import { SqliteBackend } from "./sqlite/backend.js";
import { PgBackend } from "./pg/backend.js";
import { ownerId } from "./owner.js";
import { checkResultsWritable, INLINE_RESULT_LIMIT, resultPath, writeResultFile } from "./results.js";
import {
  checkStorageFolder, checkStorageWritable, configuredResultStorage, RESULT_STORAGE_SETTING, resultNotFound, setResultStorage, storageIoError,
  type ResultStorage,
} from "./result-storage.js";
import { SettingsTable } from "./settings.js";
import {
  flowRunFromRow, flowRunToRow, logFromRow, taskRunFromRow, taskRunLineFromRow,
  type FlowRunExtra, type FlowRunRow, type LogRow, type TaskRunExtra, type TaskRunLine, type TaskRunLineRow, type TaskRunRow,
} from "./rows.js";
import { ACTIVE_FLOW_TYPES_SQL, decodeHistory, stateNamed, transitionRuns } from "./run-state.js";
import { deserializeResult, isOwnRef, valueOfOwnRef } from "./serialize.js";
import { BatchWriter } from "./writer.js";
import { reapCrashedRuns, releaseDeadSlots } from "./crash.js";
import { DeploymentTable } from "./deployments.js";
import { TaskQueue } from "./task-queue.js";
import { WorkQueue } from "./work-queue.js";
import { ScheduledRuns } from "./scheduled-runs.js";
import { TagSlots } from "./tag-slots.js";
import { BlockTable } from "./blocks.js";
import { levelsFrom, listFlowRunRows, listFlowRunsSql, type ListRunsOptions } from "./run-filters.js";
import { getArtifactVersions, insertArtifact, listArtifacts, type ListArtifactsOptions, type NewArtifact } from "./artifacts.js";
import { runHistory, type HistoryEntry } from "./history.js";
import { deleteRuns, selectPrunable, type DeleteSummary } from "./prune.js";
import type { ArtifactRecord } from "../core/records.js";

/**
 * CELLFLOW_DATABASE_URL=postgres://… puts the store on PostgreSQL; unset, the embedded SQLite file under `home`.
 * The PostgreSQL module loads no driver itself: `pg` is imported only by its connection's worker thread.
 */
function openBackend(home: string, url = process.env.CELLFLOW_DATABASE_URL?.trim()): StoreBackend {
  return url ? new PgBackend(url, home) : new SqliteBackend(home);
}

/**
 * How long a process goes on with the result storage it last read before reading the setting again: a result
 * over the inline limit costs no extra round trip, and `cellflow config set result-storage` reaches running
 * workers within this time.
 */
export const RESULT_STORAGE_RECHECK_MS = 1000;

/** The shortest id prefix a run can be named by (as git does for commits). */
const MIN_PREFIX = 4;

export type { ListRunsOptions } from "./run-filters.js";

/** What a DAG listing needs to place a task run before it renders it (see display/dag-stream.ts). */
export interface TaskRunOutline {
  rowid: number;
  id: string;
  task_name: string;
  dynamic_key: string;
  /** JSON array of upstream task run ids. */
  upstream: string;
  start_time: number | null;
  end_time: number | null;
  state_name: string;
  run_count: number;
}

export interface CachedResultRef {
  taskRunId: string;
  flowRunId: string | null;
  resultRef: string;
  cacheExpires: number | null;
}

export class Store {
  readonly home: string;
  /** Where the data lives, for messages: the SQLite file, or the server URL without its password. */
  readonly dbPath: string;
  readonly resultsDir: string;
  readonly db: SqlDatabase;
  readonly writer: BatchWriter;
  /** Deployments and their schedules. */
  readonly deployments: DeploymentTable;
  /** Runs deployments planned: inserted, caught up, marked Late, claimed by workers. */
  readonly scheduledRuns: ScheduledRuns;
  /** Tag concurrency limits and the slots held under them. */
  readonly tagSlots: TagSlots;
  /** Deployment runs through graphile-worker, worker heartbeats and the reaper (PostgreSQL only). */
  readonly workQueue: WorkQueue;
  /** Task runs handed to task workers (distributed task runner; PostgreSQL only). */
  readonly taskQueue: TaskQueue;
  /** Sealed block values. */
  readonly blocks: BlockTable;
  /** Store-wide settings (`cellflow config`), e.g. the result storage. */
  readonly settings: SettingsTable;
  private readonly backend: StoreBackend;
  private closed = false;
  private readyForRun = false;
  /** The result storage as last read (see RESULT_STORAGE_RECHECK_MS); a misconfigured one is never kept. */
  private storageRead: { at: number; storage: ResultStorage | null } | null = null;

  private constructor(home: string, backend: StoreBackend) {
    this.home = home;
    this.backend = backend;
    this.db = backend.db;
    this.dbPath = backend.location;
    this.resultsDir = path.join(home, "results");
    this.writer = new BatchWriter(this.db);
    this.deployments = new DeploymentTable(this.db);
    this.scheduledRuns = new ScheduledRuns(this.db);
    this.tagSlots = new TagSlots(this.db);
    this.workQueue = new WorkQueue(this.db);
    this.blocks = new BlockTable(this.db);
    this.taskQueue = new TaskQueue(this.db, this.writer, backend.onNotify?.bind(backend));
    this.settings = new SettingsTable(this.db);
  }

  /** Run `fn` in one write transaction (the store methods it calls join it) and return its value. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  /**
   * Before any user code of a run: refuse a corrupt or unwritable store with one line and a recovery hint.
   * Checked once per opened store (quick_check reads every page: see README for its cost).
   */
  checkReadyForRun(): void {
    if (this.readyForRun) return;
    this.checkWritable();
    this.checkResultStorage();
    this.readyForRun = true;
  }

  /** The store takes writes, and so does the results folder under CELLFLOW_HOME; else one STORE line. */
  checkWritable(): void {
    this.backend.checkReadyForRun(this.home);
    checkResultsWritable(this.resultsDir, this.dbPath, this.home);
  }

  /** The result storage, when one is set, is there and takes a write; returns it (null when none is set). */
  checkResultStorage(): ResultStorage | null {
    this.storageRead = null;
    const storage = this.resultStorage();
    if (storage) checkStorageWritable(storage);
    return storage;
  }

  /**
   * Point results over the inline limit at a filesystem block (`name` or `filesystem/name`), for every process and
   * machine on the store: its folder must exist here and take a write. Returns where results will go.
   */
  setResultStorage(block: string): ResultStorage {
    const storage = setResultStorage(this, block);
    this.storageRead = null;
    return storage;
  }

  /** Results over the inline limit go under each machine's CELLFLOW_HOME again; returns whether one was set. */
  unsetResultStorage(): boolean {
    this.storageRead = null;
    return this.settings.remove(RESULT_STORAGE_SETTING);
  }

  /** The result storage (null when none is set), read again at most every RESULT_STORAGE_RECHECK_MS. */
  private resultStorage(): ResultStorage | null {
    const now = Date.now();
    if (this.storageRead && now - this.storageRead.at < RESULT_STORAGE_RECHECK_MS) return this.storageRead.storage;
    const storage = configuredResultStorage(this);
    this.storageRead = { at: now, storage };
    return storage;
  }

  /** Whether the store is on PostgreSQL (workers on many machines, graphile-worker) rather than its SQLite file. */
  get onPostgres(): boolean {
    return this.db.dialect === "pg";
  }

  /** Open the store at `home` (default: resolved from CELLFLOW_HOME and the cwd) and mark orphaned runs Crashed. */
  static open(home = resolveHome(), options: { reap?: boolean } = {}): Store {
    return Store.withBackend(home, openBackend(home), options);
  }

  /** A store on an opened (and migrated) backend; results and keys still live under `home`. */
  static withBackend(home: string, backend: StoreBackend, options: { reap?: boolean } = {}): Store {
    const store = new Store(home, backend);
    try {
      if (options.reap !== false) store.reapCrashed();
    } catch (error) {
      backend.close();
      throw storeError(error, "update", store.dbPath, home);
    }
    return store;
  }

  close(): void {
    if (this.closed) return;
    this.writer.flush();
    this.closed = true;
    this.backend.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Commit what the writer holds; a failure is one STORE error (disk full, read-only, …), not SQLite's stack. */
  flush(options: { durable?: boolean } = {}): void {
    if (this.closed) return;
    try {
      this.writer.flush(options);
    } catch (error) {
      throw storeError(error, "write to", this.dbPath, this.home);
    }
  }

  /**
   * This process's commits return before the server flushed them to disk (PostgreSQL; nothing on SQLite). For a task
   * worker: a job's completion, committed synchronously on graphile-worker's connection after the task run's end,
   * flushes the write-ahead log up to it, so the end is on disk before the job is gone. A worker's writes then no
   * longer hold the store's write lock across a disk flush.
   */
  asyncCommits(): void {
    this.backend.asyncCommits?.();
  }

  /** Mark runs whose owner process is gone Crashed (with their unfinished task runs); returns how many. */
  reapCrashed(): number {
    return reapCrashedRuns(this);
  }

  /** Free the tag slots of owners that are gone; returns how many. */
  releaseDeadSlots(): number {
    return releaseDeadSlots(this);
  }

  // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Queue the run for the next batch; the row is built from the live record when the batch is written. */
  saveFlowRun(record: FlowRunRecord, extra: FlowRunExtra): void {
    this.writer.flowRun(record.id, () => flowRunToRow(record, extra));
  }

  saveTaskRun(record: TaskRunRecord, extra: TaskRunExtra): void {
    this.writer.taskRun(record, extra);
  }

  appendLog(log: LogRecord): void {
    this.writer.log({ flow_run_id: log.flowRunId || null, task_run_id: log.taskRunId, level: log.level, message: log.message, ts: log.timestamp });
  }

  /**
   * Persist serialized result bytes under their content address (a value that is its own ref has none to persist:
   * serialize.ts ownRef). Small results go inline (with the next batch);
   * larger ones are written at once, atomically, to the result storage when one is set (`cellflow config set
   * result-storage`), else under CELLFLOW_HOME/results. A write that fails throws one STORE line.
   */
  saveResult(ref: string, bytes: Buffer): void {
    if (bytes.length <= INLINE_RESULT_LIMIT) return this.writer.result(ref, bytes);
    const storage = this.resultStorage();
    if (storage) {
      checkStorageFolder(storage);
      try {
        writeResultFile(storage.dir, ref, bytes);
      } catch (error) {
        throw storageIoError(storage, "write", error, ref);
      }
      return;
    }
    try {
      writeResultFile(this.resultsDir, ref, bytes);
    } catch (error) {
      throw storeError(error, `write result ${ref.slice(0, 12)} to ${this.resultsDir} for`, this.dbPath, this.home);
    }
  }

  /**
   * Load a persisted result: from its ref when the ref holds it, inline, else from the result storage, else from CELLFLOW_HOME/results. Throws a
   * one-line STORE error naming the result and where it was looked for when it is nowhere (on PostgreSQL: written
   * on another machine with no result storage set), or the content-hash error when it is corrupt.
   */
  loadResult(ref: string): unknown {
    if (isOwnRef(ref)) return valueOfOwnRef(ref);
    const pending = this.writer.pendingResult(ref);
    if (pending) return deserializeResult(pending, ref);
    const row = this.db.prepare("SELECT bytes FROM results WHERE ref = ?").get(ref) as { bytes: Buffer } | undefined;
    if (row) return deserializeResult(row.bytes, ref);
    const file = this.findResultFile(ref);
    return deserializeResult(readFileOf(file.path, file.storage, ref), ref);
  }

  /** Whether a persisted result is still there (inline, pending or as a file): pruned results are not. */
  hasResult(ref: string): boolean {
    if (isOwnRef(ref)) return true;
    if (this.writer.pendingResult(ref)) return true;
    if (this.db.prepare("SELECT 1 FROM results WHERE ref = ?").get(ref)) return true;
    try {
      this.findResultFile(ref);
      return true;
    } catch {
      return false;
    }
  }

  /** The folders results over the inline limit may be in, the result storage first; its misconfiguration throws. */
  private resultDirs(): string[] {
    const storage = this.resultStorage();
    if (storage) checkStorageFolder(storage);
    return storage ? [storage.dir, this.resultsDir] : [this.resultsDir];
  }

  /** The file holding a result too large to inline: in the result storage, or (written before it was set) under CELLFLOW_HOME. */
  private findResultFile(ref: string): { path: string; storage: ResultStorage | null } {
    let storage: ResultStorage | null = null;
    let problem: unknown = null;
    const searched: string[] = [];
    try {
      storage = this.resultStorage();
      if (storage) {
        searched.push(`result storage '${storage.block}' (${storage.dir})`);
        checkStorageFolder(storage);
        const file = resultPath(storage.dir, ref);
        if (fs.existsSync(file)) return { path: file, storage };
      }
    } catch (error) {
      problem = error; // a missing block or an unmounted folder: said below unless the result is local
    }
    const local = resultPath(this.resultsDir, ref);
    if (fs.existsSync(local)) return { path: local, storage: null };
    if (problem) throw problem;
    searched.push(this.resultsDir);
    throw resultNotFound(ref, searched, this.onPostgres, storage);
  }

  // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────

  getFlowRunRow(id: string): FlowRunRow | undefined {
    return this.db.prepare("SELECT * FROM flow_runs WHERE id = ?").get(id) as FlowRunRow | undefined;
  }

  /** A flow run by its id or a unique prefix of it (at least 4 characters), as git does for commits. */
  findFlowRun(idOrPrefix: string): FlowRunRecord {
    const exact = this.getFlowRunRow(idOrPrefix);
    if (exact) return flowRunFromRow(exact);
    if (idOrPrefix.length < MIN_PREFIX) {
      throw new CellflowError("UNKNOWN_RUN", `run id prefix '${idOrPrefix}' is too short (at least ${MIN_PREFIX} characters)`, "give more characters of the id, as `cellflow runs ls` shows it");
    }
    // Ids are lowercase; lowering the prefix keeps PostgreSQL's case-sensitive LIKE matching as SQLite's does.
    const rows = this.db.prepare("SELECT * FROM flow_runs WHERE id LIKE ? LIMIT 2").all(`${idOrPrefix.toLowerCase().replace(/[%_]/g, "")}%`) as FlowRunRow[];
    if (rows.length === 1) return flowRunFromRow(rows[0]);
    if (rows.length > 1) throw new CellflowError("UNKNOWN_RUN", `run id prefix '${idOrPrefix}' matches several runs`, "give more characters of the id");
    throw new CellflowError("UNKNOWN_RUN", `no flow run '${echo(idOrPrefix)}' in ${this.dbPath}`, "list runs with `cellflow runs ls`");
  }

  /** Flow runs matching every filter given (state, flow, deployment, tag, since), newest first. */
  listFlowRuns(options: ListRunsOptions = {}): FlowRunRecord[] {
    return listFlowRunRows(this.db, options).map(flowRunFromRow);
  }

  /** Task runs of a flow run's attempt (default: its latest), in the order they were created. */
  getTaskRuns(flowRunId: string, attempt?: number): TaskRunRecord[] {
    return this.getTaskRunRows(flowRunId, attempt).map(taskRunFromRow);
  }

  getTaskRunRows(flowRunId: string, attempt?: number): TaskRunRow[] {
    if (attempt === undefined) {
      const row = this.db.prepare("SELECT attempt FROM flow_runs WHERE id = ?").get(flowRunId) as { attempt: number } | undefined;
      attempt = row?.attempt ?? 1;
    }
    return this.db.prepare("SELECT * FROM task_runs WHERE flow_run_id = ? AND flow_attempt = ? ORDER BY rowid").all(flowRunId, attempt) as TaskRunRow[];
  }

  /** Task runs of one attempt one at a time, in creation order: for output that must not hold them all. */
  *iterateTaskRuns(flowRunId: string, attempt: number): Generator<TaskRunRecord> {
    const stmt = this.db.prepare("SELECT * FROM task_runs WHERE flow_run_id = ? AND flow_attempt = ? ORDER BY rowid");
    for (const row of stmt.iterate(flowRunId, attempt) as Iterable<TaskRunRow>) yield taskRunFromRow(row);
  }

  /** The few columns that place task runs in a DAG listing, one attempt, in creation order (streamed). */
  *taskRunOutlines(flowRunId: string, attempt: number): Generator<TaskRunOutline> {
    const stmt = this.db.prepare(
      "SELECT rowid AS rowid, id, task_name, dynamic_key, upstream, start_time, end_time, state_name, run_count FROM task_runs WHERE flow_run_id = ? AND flow_attempt = ? ORDER BY rowid",
    );
    yield* stmt.iterate(flowRunId, attempt) as Iterable<TaskRunOutline>;
  }

  /**
   * A small page cache for a long read-only listing (`runs show` of 100,000 task runs): the 32 MB the writer
   * wants would otherwise fill with pages read once.
   */
  useSmallCache(): void {
    this.backend.useSmallCache();
  }

  /** Whether any task run of this attempt stands for a subflow (its DAG then nests the child's). */
  hasSubflows(flowRunId: string, attempt: number): boolean {
    return this.db.prepare("SELECT 1 FROM task_runs WHERE flow_run_id = ? AND flow_attempt = ? AND subflow_run_id IS NOT NULL LIMIT 1").get(flowRunId, attempt) !== undefined;
  }

  /** How many task runs one attempt of a flow run has. */
  taskRunCount(flowRunId: string, attempt: number): number {
    return (this.db.prepare("SELECT count(*) AS n FROM task_runs WHERE flow_run_id = ? AND flow_attempt = ?").get(flowRunId, attempt) as { n: number }).n;
  }

  /**
   * What the text DAG prints of task runs, by rowid (as taskRunOutlines gives them): no history, tags or inputs
   * but the waits, so a page of a 100,000-line listing reads a few hundred bytes per line, not kilobytes.
   */
  taskRunLinesByRowid(rowids: number[]): Map<number, TaskRunLine> {
    const out = new Map<number, TaskRunLine>();
    if (rowids.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT rowid AS "__rowid", id, state_type, state_name, state_message, state_ts, run_count, cache_reason, start_time, end_time, upstream, error,
           CASE WHEN inputs LIKE '%"wait_for"%' THEN inputs END AS inputs
         FROM task_runs WHERE rowid IN (${rowids.map(() => "?").join(",")})`,
      )
      .all(...rowids) as Array<TaskRunLineRow & { __rowid: number }>;
    for (const row of rows) out.set(row.__rowid, taskRunLineFromRow(row));
    return out;
  }

  /** How many task runs of one attempt are in each state name, in order of first appearance. */
  taskRunStateCounts(flowRunId: string, attempt: number): Array<{ name: string; count: number }> {
    return this.db
      .prepare("SELECT state_name AS name, count(*) AS count, min(rowid) AS first_rowid FROM task_runs WHERE flow_run_id = ? AND flow_attempt = ? GROUP BY state_name ORDER BY first_rowid")
      .all(flowRunId, attempt) as Array<{ name: string; count: number }>;
  }

  /** Every task run of a flow run over all its attempts, oldest first. */
  getAllTaskRunRows(flowRunId: string): TaskRunRow[] {
    return this.db.prepare("SELECT * FROM task_runs WHERE flow_run_id = ? ORDER BY flow_attempt, rowid").all(flowRunId) as TaskRunRow[];
  }

  getTaskRunRow(id: string): TaskRunRow | undefined {
    return this.writer.pendingTaskRow(id) ?? (this.db.prepare("SELECT * FROM task_runs WHERE id = ?").get(id) as TaskRunRow | undefined);
  }

  /**
   * The newest completed task run with this cache key that has a persisted result, among keys not scoped to their
   * flow run (a rerun finds those among its run's own task runs: earlierCached).
   */
  findCached(cacheKey: string): CachedResultRef | null {
    const row = this.db
      .prepare(
        "SELECT id, flow_run_id, result_ref, cache_expires FROM task_runs WHERE cache_key = ? AND state_type = 'COMPLETED' AND cache_scope IS NULL AND result_ref IS NOT NULL ORDER BY end_time DESC, rowid DESC LIMIT 1",
      )
      .get(cacheKey) as { id: string; flow_run_id: string | null; result_ref: string; cache_expires: number | null } | undefined;
    return row ? { taskRunId: row.id, flowRunId: row.flow_run_id, resultRef: row.result_ref, cacheExpires: row.cache_expires } : null;
  }

  /** Forget cached results (of one task, or all): no later run reuses them. Returns how many task runs were cached. */
  clearCache(taskName?: string): number {
    this.writer.flush();
    const sql = "UPDATE task_runs SET cache_key = NULL, cache_scope = NULL WHERE cache_key IS NOT NULL AND state_type = 'COMPLETED'";
    return taskName === undefined ? this.db.prepare(sql).run().changes : this.db.prepare(`${sql} AND task_name = ?`).run(taskName).changes;
  }

  /** A run's log lines in order; `minLevel` keeps that level and those above it (debug < info < warning < error). */
  getLogs(flowRunId: string, options: { taskRunIds?: string[]; afterId?: number; minLevel?: LogRecord["level"] } = {}): Array<LogRecord & { id: number }> {
    const args: unknown[] = [flowRunId, options.afterId ?? 0];
    let sql = "SELECT * FROM logs WHERE flow_run_id = ? AND id > ?";
    if (options.taskRunIds) {
      sql += ` AND task_run_id IN (${options.taskRunIds.map(() => "?").join(",") || "NULL"})`;
      args.push(...options.taskRunIds);
    }
    if (options.minLevel && options.minLevel !== "debug") {
      const levels = levelsFrom(options.minLevel);
      sql += ` AND level IN (${levels.map(() => "?").join(",")})`;
      args.push(...levels);
    }
    sql += " ORDER BY id";
    return (this.db.prepare(sql).all(...args) as Array<LogRow & { id: number }>).map((r) => ({ ...logFromRow(r), id: r.id }));
  }

  /** The state history of a run, oldest first. */
  getHistory(kind: "flow" | "task", id: string): State[] {
    const table = kind === "flow" ? "flow_runs" : "task_runs";
    const row = this.db.prepare(`SELECT history FROM ${table} WHERE id = ?`).get(id) as { history: string } | undefined;
    return row ? decodeHistory(row.history) : [];
  }

  /** Every transition of a flow run and its task runs (all attempts), oldest first. */
  getRunHistory(flowRunId: string): HistoryEntry[] {
    this.writer.flush();
    return runHistory(this.db, flowRunId);
  }

  // ── artifacts ───────────────────────────────────────────────────────────────────────────────────────────

  /** Store the next version of an artifact's key. */
  createArtifact(artifact: NewArtifact): ArtifactRecord {
    return insertArtifact(this.db, artifact);
  }

  /** Artifacts by run, task run or key; `latest` keeps the newest version of each key. */
  listArtifacts(options: ListArtifactsOptions = {}): ArtifactRecord[] {
    return listArtifacts(this.db, options);
  }

  /** Every version of a key, newest first. */
  getArtifactVersions(key: string): ArtifactRecord[] {
    return getArtifactVersions(this.db, key);
  }

  // ── retention ───────────────────────────────────────────────────────────────────────────────────────────

  /** Ended top-level runs created before `before` (ms), optionally in one state: what `runs prune` deletes. */
  selectPrunableRuns(options: { before: number; state?: string }): string[] {
    this.writer.flush();
    return selectPrunable(this.db, options);
  }

  /** Delete runs with their subflows, task runs, logs, artifacts and unreferenced results; refuses a live run. */
  deleteRuns(ids: string[], options: { dryRun?: boolean } = {}): DeleteSummary {
    this.writer.flush();
    return deleteRuns(this.db, this.resultDirs(), ids, options);
  }

  /** Give freed space back (SQLite: checkpoint the WAL, VACUUM when asked); returns the store's size in bytes. */
  compact(vacuum = false): number {
    this.writer.flush();
    return this.backend.compact(vacuum);
  }

  /** The backend's consistency check (SQLite's integrity_check): "ok" or the problems found. */
  integrityCheck(): string {
    return this.backend.integrityCheck();
  }

  /** A cheap "did anything change" probe: moves when another connection commits. */
  /**
   * Resolve at the next committed change to runs or logs (PostgreSQL tells of them), or after `ms` at the latest
   * (SQLite is not told: this is then a plain poll interval). For followers: `runs logs --follow`, the web UI feed.
   */
  waitForChange(ms: number): Promise<void> {
    const subscribe = this.backend.onChange?.bind(this.backend);
    return new Promise((resolve) => {
      let remove = () => {};
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        remove();
        resolve();
      };
      if (subscribe) remove = subscribe(done);
    });
  }

  dataVersion(): number {
    return this.backend.dataVersion();
  }

  /** The query plan of a run listing, for benchmarks and tests that check an index serves it. */
  explainListFlowRuns(options: ListRunsOptions = {}): string[] {
    const { sql, args } = listFlowRunsSql(options);
    return this.backend.explainQueryPlan(sql, args);
  }

  // ── ownership: heartbeats and cancellation requests ─────────────────────────────────────────────────────

  /** Touch the heartbeat of runs this process owns; returns the ids among them that another process asked to cancel. */
  heartbeat(runIds: string[]): string[] {
    if (runIds.length === 0) return [];
    this.writer.flush();
    const now = Date.now();
    const placeholders = runIds.map(() => "?").join(",");
    this.db.prepare(`UPDATE flow_runs SET heartbeat = ? WHERE id IN (${placeholders}) AND owner = ?`).run(now, ...runIds, ownerId());
    const rows = this.db.prepare(`SELECT id FROM flow_runs WHERE id IN (${placeholders}) AND state_type = 'CANCELLING'`).all(...runIds) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /**
   * Claim the next attempt of a flow run for this process: one conditional UPDATE, so of two processes that
   * start attempt N+1 of the same run at once exactly one wins. The run must still be at `expectedAttempt` and
   * not Pending/Running/Cancelling under another live process. Returns the Pending state written, or throws
   * RUN_CLAIMED naming the owner.
   */
  claimNextAttempt(id: string, expectedAttempt: number, message: string): State {
    // A row of this run still queued in the writer would land later and overwrite the claim.
    this.writer.flush();
    const state = stateNamed("Pending", message);
    const owner = ownerId();
    const changes = transitionRuns(this.db, "flow_runs", {
      state,
      set: { attempt: expectedAttempt + 1, start_time: null, end_time: null, error: null, owner, heartbeat: state.timestamp },
      where: `id = ? AND attempt = ? AND (state_type NOT IN ${ACTIVE_FLOW_TYPES_SQL} OR owner IS NULL OR owner = ?)`,
      args: [id, expectedAttempt, owner],
    });
    if (changes === 1) return state;
    throw this.runClaimedError(id);
  }

  /**
   * Take over a Pending run from `expectedOwner` (the worker that claimed it, or nobody) for this process: a
   * compare-and-set on the owner, so of two processes adopting the same run exactly one wins. Throws RUN_CLAIMED.
   */
  adoptPending(id: string, expectedOwner: string | null, message: string, crashRetries?: number): State {
    this.writer.flush();
    const state = stateNamed("Pending", message);
    // On PostgreSQL the reaper of a dead worker's runs needs the flow's retries, which only the flow's code knows.
    const retries = this.db.dialect === "pg" && crashRetries !== undefined ? { crash_retries: crashRetries } : {};
    const changes = transitionRuns(this.db, "flow_runs", {
      state,
      set: { owner: ownerId(), heartbeat: state.timestamp, ...retries },
      where: expectedOwner === null ? "id = ? AND state_type = 'PENDING' AND owner IS NULL" : "id = ? AND state_type = 'PENDING' AND owner = ?",
      args: expectedOwner === null ? [id] : [id, expectedOwner],
    });
    if (changes === 1) return state;
    throw this.runClaimedError(id);
  }

  /** The error for a run another process owns: names the owner and what to do. */
  runClaimedError(id: string): CellflowError {
    const row = this.getFlowRunRow(id);
    if (!row) return new CellflowError("UNKNOWN_RUN", `no flow run '${id}' in ${this.dbPath}`, "list runs with `cellflow runs ls`");
    const who = row.owner ? `process ${row.owner.split(":").slice(0, -1).join(":")}` : "another process";
    return new CellflowError(
      "RUN_CLAIMED",
      `run ${row.name} (${id.slice(0, 8)}) attempt ${row.attempt} is already claimed by ${who} (${row.state_name})`,
      `wait for it to end (cellflow runs show ${id.slice(0, 8)}) or cancel it with \`cellflow runs cancel ${id.slice(0, 8)}\``,
    );
  }

  /** Move a flow run to the state `name` from whatever it is in (cancellation, a worker's verdict on a run it could not start). */
  setFlowRunState(id: string, name: StateName, message: string, fence?: { attempt: number }): void {
    // A row of this run still queued in the writer would land later and overwrite this state.
    this.writer.flush();
    // A worker's verdict on PostgreSQL holds only for its attempt, and never over a reaper's Crashed (as the writer's fence).
    if (fence && this.onPostgres) {
      const moved = transitionRuns(this.db, "flow_runs", { state: stateNamed(name, message), where: "id = ? AND attempt = ? AND state_type <> 'CRASHED'", args: [id, fence.attempt] });
      if (moved === 0) process.stderr.write(`cellflow: run ${id.slice(0, 8)} attempt ${fence.attempt} is no longer this process's: its state ${name} was refused\n`);
      return;
    }
    transitionRuns(this.db, "flow_runs", { state: stateNamed(name, message), where: "id = ?", args: [id] });
  }
}

/** A result file's bytes; a read that fails for another reason than absence names the result storage. */
function readFileOf(file: string, storage: ResultStorage | null, ref: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw storage ? storageIoError(storage, "read", error, ref) : error;
  }
}
