// A notebook session: cells run through the cell runtime, and the task calls they make become task runs of
// session flow runs. One execution (a cell, or a whole notebook) is one flow run, created on its first task
// call; rerun from failure replays the failed run's task-calling cells, with the latest source of each and
// against the session's current definitions (a name a newer cell defined is not assigned again), as its next attempt.
// The kernel and the terminal UI are thin adapters over this class.

import path from "node:path";
import { CellflowError, markStackMapped } from "../core/errors.js";
import type { FlowRunRecord, RunEvent, RunGraph } from "../core/records.js";
import { CellRuntime, checkFailure, typeErrorOf, type CellDiagnostic, type CellError, type CellOutcome, type TypecheckMode } from "../cells/index.js";
import { loadedSessionEngine, runContextStorage, type LiveFlowRun, type SessionEngine } from "../engine/context.js";
import { subscribe } from "../engine/events.js";
import { isDisplayHandle } from "../display/display.js";
import type { FlowDefinition, FlowRunOutcome } from "../engine/flow-run.js";

const NO_DIAGNOSTICS: Promise<CellDiagnostic[]> = Promise.resolve([]);

/**
 * The engine, loaded on first need: a cell that calls no task never loads it or the store (the kernel's first reply
 * does not wait for them). A task call loads it before it asks for the session's run (through `cellflow`).
 */
async function loadEngine(): Promise<SessionEngine> {
  return loadedSessionEngine() ?? (await import("../engine/flow-run.js"), loadedSessionEngine() as SessionEngine);
}

/** The engine where a run exists (it was loaded to make it). */
function engineNow(): SessionEngine {
  const engine = loadedSessionEngine();
  if (!engine) throw new CellflowError("USAGE", "a task was called before Cellflow's engine loaded", 'import task and flow from "cellflow"');
  return engine;
}

export interface CellInput {
  source: string;
  /** The cell's identity across edits (index in a notebook, or the kernel's execution count). */
  id: number | string;
}

export interface CellExecution {
  cell: number | string;
  outcome: CellOutcome;
  /** The cell's type errors (checked while it ran, or before under `strict`; none when type checking is off). */
  diagnostics: CellDiagnostic[];
}

export interface SessionExecution {
  cells: CellExecution[];
  /** The flow run this execution made, or null when no cell called a task. */
  run: FlowRunRecord | null;
  ok: boolean;
  /** The run's outcome as the engine reports it (for the CLI's exit code and output). */
  outcome: FlowRunOutcome | null;
  /**
   * Resolves once every cell's type check has ended and been reported (onDiagnostics, then onCell): already when the
   * execution resolves, unless it was asked not to wait for the last cell's check (`awaitLastCheck: false`).
   */
  checked: Promise<void>;
}

export interface ExecuteOptions {
  params?: Record<string, unknown>;
  /** "<notebook file>:<flow name>", so `cellflow runs retry` can load it again. */
  entrypoint?: string | null;
  /** Rerun this run as its next attempt. */
  resume?: FlowRunRecord;
  /** Execute this existing Scheduled run (claimed by a worker) instead of creating a run. */
  adopt?: FlowRunRecord;
  /** Create the flow run even if no cell calls a task (a headless notebook run is always a run). */
  eager?: boolean;
  /** Execute every task, none from cache, and store fresh results (`cellflow run --refresh-cache`). */
  refreshCache?: boolean;
  /** Stop at the first failing cell. @default true */
  stopOnError?: boolean;
  /** Called before each cell runs (type-checked or not), e.g. to echo its source so its output shows under it. */
  onCellStart?: (cell: CellInput) => void;
  /** Called after each cell with its outcome, e.g. to print it. */
  onCell?: (execution: CellExecution) => void;
  /**
   * Called with a cell's type errors as soon as they are known (while it runs; under `strict` before it is refused),
   * always before `onCell`, to show them under the cell.
   */
  onDiagnostics?: (cell: number | string, diagnostics: CellDiagnostic[]) => void;
  /**
   * Wait for the last cell's type check before resolving. With false, the execution resolves once that cell ran and
   * the run ended (the kernel replies then): under `warn` its check may still be going; its `diagnostics` are filled
   * in, onDiagnostics and onCell called, when the check ends, and the execution's `checked` resolves after that.
   * Under `strict` and `off` nothing is left to wait for by then.
   * @default true
   */
  awaitLastCheck?: boolean;
}

export interface NotebookSessionOptions {
  /** The notebook's folder: imports and relative paths resolve from here. */
  cwd: string;
  /** The flow name of this session's runs. @default the notebook's base name, else "notebook" */
  name?: string;
  notebookPath?: string | null;
  runtime?: CellRuntime;
  /**
   * Type-check each cell before it runs: `warn` shows type errors and runs the cell, `strict` refuses to run it.
   * The kernel and the terminal UI use `warn`; `%typecheck` changes it.
   * @default "off"
   */
  typecheck?: TypecheckMode;
}

export class NotebookSession {
  readonly runtime: CellRuntime;
  readonly name: string;
  readonly notebookPath: string | null;
  typecheck: TypecheckMode;
  /** Per run: its cells, whether each called a task (or failed, or never ran), so a rerun replays only those. */
  private readonly cellsOfRun = new Map<string, Array<{ id: number | string; replay: boolean }>>();
  private readonly latestSource = new Map<number | string, string>();
  /** Per top-level name: the cell execution that last assigned it; per cell: its last execution (a sequence number). */
  private readonly definer = new Map<string, { cell: number | string; seq: number }>();
  private readonly lastRunOf = new Map<number | string, number>();
  private seq = 0;
  private readonly runIds = new Set<string>();
  private readonly subflowIds = new Set<string>();
  private active: LiveFlowRun | null = null;
  private last: FlowRunRecord | null = null;
  private lastFailed: FlowRunRecord | null = null;
  private refreshNext = false;

  constructor(options: NotebookSessionOptions) {
    this.notebookPath = options.notebookPath ? path.resolve(options.notebookPath) : null;
    this.name = options.name ?? (this.notebookPath ? path.basename(this.notebookPath, ".ipynb") : "notebook");
    this.runtime = options.runtime ?? new CellRuntime({ cwd: options.cwd });
    this.typecheck = options.typecheck ?? "off";
  }

  /** Run one cell; its task calls (if any) make one flow run. */
  async runCell(source: string, id: number | string): Promise<CellExecution & { run: FlowRunRecord | null }> {
    const result = await this.execute([{ source, id }]);
    return { ...result.cells[0], run: result.run };
  }

  /** Run cells in order as one execution: one flow run for all their task calls. */
  async execute(cells: CellInput[], options: ExecuteOptions = {}): Promise<SessionExecution> {
    return this.executeCells(cells, options, false);
  }

  private async executeCells(cells: CellInput[], options: ExecuteOptions, replay: boolean): Promise<SessionExecution> {
    if (this.active) throw new CellflowError("USAGE", `a run (${this.active.record.name}) is still going in this session`, "wait for it, or cancel it first");
    const def: FlowDefinition = { name: this.name, fn: () => undefined, options: {}, timeoutMs: null, entrypoint: options.entrypoint ?? null };
    const open = (): LiveFlowRun => {
      this.active ??= engineNow().openFlowRun(def, options.params ?? {}, { entrypoint: options.entrypoint ?? null, resume: options.resume, adopt: options.adopt, refreshCache: this.takeRefresh(options) });
      this.runIds.add(this.active.record.id);
      return this.active;
    };
    if (options.eager || options.resume || options.adopt) {
      await loadEngine();
      open();
    }
    const executions: CellExecution[] = [];
    const replayed = new Map<number | string, boolean>(cells.map((c) => [c.id, true]));
    let failure: unknown = null;
    // A cell's type errors, then its outcome, are reported once its check ends: before the next cell starts, or for
    // the last cell after its run has ended (a run's end never waits for a type check), or after the execution has
    // resolved when the caller does not wait for the last cell's check (`detach`: what that leaves to wait for).
    let report: ((detach: boolean) => Promise<void>) | null = null;
    let lastCheck: Promise<void> = Promise.resolve();
    for (const cell of cells) {
      await report?.(false);
      report = null;
      this.latestSource.set(cell.id, cell.source);
      options.onCellStart?.(cell);
      const context = { flow: this.active, task: null, lazyFlow: open };
      const keep = replay ? this.newerDefinitions(cell.id) : undefined;
      const tasksBefore = this.taskCount();
      // A replayed cell was checked when it first ran. Otherwise the check runs on its own thread: `strict` waits for
      // it before running the cell, `warn` runs the cell meanwhile and shows its type errors as soon as they are known.
      let abandoned = false;
      const checked =
        replay || this.typecheck === "off"
          ? NO_DIAGNOSTICS
          : this.runtime.checkTypes(cell.source, cell.id).then(
              (found) => {
                if (found.length > 0 && !abandoned) options.onDiagnostics?.(cell.id, found);
                return found;
              },
              // The compiler itself failed: say so under the cell, which runs unchecked (never a crash of the session).
              (error: Error) => {
                if (!abandoned) options.onDiagnostics?.(cell.id, [checkFailure(cell.id, error)]);
                return [];
              },
            );
      const refused = this.typecheck === "strict" ? await checked : [];
      let outcome: CellOutcome;
      if (refused.length > 0) outcome = { ok: false, error: typeErrorOf(refused) };
      else {
        outcome = await runContextStorage.run(context, () => this.runtime.run(cell.source, cell.id, { keep }));
        this.recordDefinitions(cell.id);
      }
      replayed.set(cell.id, !outcome.ok || this.taskCount() !== tasksBefore);
      // A cell ending in display(...) has shown its output; the handle is not a result to show again.
      if (outcome.ok && isDisplayHandle(outcome.value)) outcome = { ok: true, value: undefined, hasValue: false };
      const ran = outcome;
      const run = this.active as LiveFlowRun | null;
      report = async (detach) => {
        // A cancelled run's cell is not waited for: an interrupted kernel cell has replied already, and its type
        // errors must not land under the next cell.
        abandoned = run?.controller.signal.aborted === true;
        const execution: CellExecution = { cell: cell.id, outcome: ran, diagnostics: [] };
        executions.push(execution);
        const reported = async () => {
          execution.diagnostics = abandoned ? [] : await checked;
          options.onCell?.(execution);
        };
        if (detach) lastCheck = reported();
        else await reported();
      };
      if (!outcome.ok) {
        failure = cellFailure(this.describeCellError(outcome.error, cell.id), outcome.error.stack);
        if (options.stopOnError !== false) break;
      }
    }
    // Read through a cast: TypeScript narrowed `this.active` to null above, but open() may have set it since.
    const live = this.active as LiveFlowRun | null;
    const detach = options.awaitLastCheck === false;
    if (!live) {
      await report?.(detach);
      return { cells: executions, run: null, ok: failure === null, outcome: null, checked: lastCheck };
    }
    this.cellsOfRun.set(live.record.id, cells.map((c) => ({ id: c.id, replay: replayed.get(c.id) ?? true })));
    let outcome: FlowRunOutcome;
    try {
      outcome = await engineNow().closeFlowRun(def, live, failure === null ? { ok: true } : { ok: false, error: failure });
    } finally {
      this.active = null;
    }
    this.last = outcome.record;
    if (!outcome.ok) this.lastFailed = outcome.record;
    else if (this.lastFailed?.id === outcome.record.id) this.lastFailed = null;
    await report?.(detach);
    return { cells: executions, run: outcome.record, ok: outcome.ok && failure === null, outcome, checked: lastCheck };
  }

  /**
   * Rerun from failure: the session's last failed run (or `runId`) runs again as its next attempt. Its cells that
   * called tasks, failed or never ran are replayed with their latest source against the session's current
   * definitions (a name a newer cell defined keeps that definition); completed tasks whose source and inputs
   * are unchanged come back Cached, the rest execute.
   */
  async rerun(runId?: string, options: Omit<ExecuteOptions, "resume"> = {}): Promise<SessionExecution> {
    const { getEngine } = await loadEngine();
    const target = runId ? getEngine().store.findFlowRun(runId) : this.lastFailed;
    if (!target) throw new CellflowError("NOT_RERUNNABLE", "no failed run in this session to rerun", "run a cell that calls tasks first; %runs lists this session's runs");
    const cellIds = this.cellsOfRun.get(target.id);
    if (!cellIds) throw new CellflowError("NOT_RERUNNABLE", `run ${target.name} was not started in this session`, "rerun it with `cellflow runs retry " + target.id.slice(0, 8) + "`");
    const fresh = getEngine().store.findFlowRun(target.id);
    if (fresh.state.type === "COMPLETED") throw new CellflowError("NOT_RERUNNABLE", `run ${fresh.name} already Completed`, "nothing to rerun");
    const cells = cellIds.filter((c) => c.replay).map(({ id }) => ({ id, source: this.latestSource.get(id) ?? "" }));
    return this.executeCells(cells, { ...options, resume: fresh, entrypoint: fresh.entrypoint }, true);
  }

  private taskCount(): number {
    return this.active?.taskRuns.length ?? 0;
  }

  /** Names that a cell other than `cell` assigned after `cell` last ran: replaying `cell` must not assign them. */
  private newerDefinitions(cell: number | string): ReadonlySet<string> {
    const since = this.lastRunOf.get(cell) ?? 0;
    const keep = new Set<string>();
    for (const [name, by] of this.definer) if (by.cell !== cell && by.seq > since) keep.add(name);
    return keep;
  }

  private recordDefinitions(cell: number | string): void {
    const seq = ++this.seq;
    this.lastRunOf.set(cell, seq);
    for (const name of this.runtime.assignedBy(cell)) this.definer.set(name, { cell, seq });
  }

  /**
   * One line naming the cell and the line that failed (not the cell's first line):
   * "cell 4 (`const rows = await load(x)`), line 2, col 5: TypeError: …", or, for an error thrown in code of
   * another cell (a task it defined), "cell 5: middle broke (thrown at cell 4, line 2, col 9: `throw new Error(…)`)".
   */
  describeCellError(error: CellError, runningCell: number | string = error.cell): string {
    const place = [error.line !== undefined ? `line ${error.line}` : "", error.column !== undefined ? `col ${error.column}` : ""].filter(Boolean).join(", ");
    const head = (error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message).split("\n")[0];
    const failing = this.lineOf(error.cell, error.line);
    if (error.cell === runningCell) return `cell ${runningCell}${failing ? ` (\`${failing}\`)` : ""}${place ? `, ${place}` : ""}: ${head}`;
    return `cell ${runningCell}: ${head} (thrown at cell ${error.cell}${place ? `, ${place}` : ""}${failing ? `: \`${failing}\`` : ""})`;
  }

  /** A line of a cell this session ran, trimmed and shortened; the first non-blank line when `line` is unknown. */
  private lineOf(cell: number | string, line: number | undefined): string {
    const lines = (this.latestSource.get(cell) ?? "").split("\n");
    const text = (line !== undefined ? lines[line - 1] : lines.find((l) => l.trim()))?.trim() ?? "";
    return text.length > 60 ? text.slice(0, 57) + "…" : text;
  }

  /**
   * The cells to run again after an edit: from the first cell whose source differs from what this session
   * last ran under its id (or that it never ran) to the end; empty when nothing changed. Watch mode uses it.
   */
  changedFrom(cells: CellInput[]): CellInput[] {
    const first = cells.findIndex((c) => this.latestSource.get(c.id) !== c.source);
    return first < 0 ? [] : cells.slice(first);
  }

  /** `%refresh`: the next run this session opens executes every task and stores fresh results. */
  refreshNextRun(): void {
    this.refreshNext = true;
  }

  private takeRefresh(options: ExecuteOptions): boolean {
    const refresh = options.refreshCache === true || this.refreshNext;
    this.refreshNext = false;
    return refresh;
  }

  /** Cancel the run in progress: its task runs are aborted and it ends Cancelled. */
  cancel(reason = "cancelled by the user"): boolean {
    if (!this.active) return false;
    const error = new (engineNow().CancelledError)(reason);
    // Made wherever the user pressed cancel (a key handler in the UI): those frames are not the cell's, so none.
    error.stack = `${error.name}: ${error.message}`;
    this.active.controller.abort(error);
    return true;
  }

  get running(): boolean {
    return this.active !== null;
  }

  /** The run in progress, else the last one. */
  currentRunId(): string | null {
    return this.active?.record.id ?? this.last?.id ?? null;
  }

  get lastFailedRun(): FlowRunRecord | null {
    return this.lastFailed;
  }

  /** Loads the engine and the store now (what a run of this session would load), for graph() of another run. */
  async loadEngine(): Promise<void> {
    await loadEngine();
  }

  /**
   * The DAG of the run in progress (live), else of `runId` or the last run, from the store. A run of another session
   * needs the engine loaded ({@link loadEngine}); this session's runs loaded it.
   */
  graph(runId?: string): RunGraph | null {
    const id = runId ?? this.currentRunId();
    const engine = loadedSessionEngine();
    if (id && !engine && runId) throw new CellflowError("USAGE", "the engine is not loaded yet", "await session.loadEngine() first");
    return id && engine ? engine.getRunGraph(id) : null;
  }

  /** This session's runs, newest first. */
  runs(): FlowRunRecord[] {
    const engine = loadedSessionEngine();
    // None made yet: the engine was never needed.
    if (!engine || this.runIds.size === 0) return [];
    const store = engine.getEngine().store;
    store.flush();
    return [...this.runIds].map((id) => store.findFlowRun(id)).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Events of this session's runs only, their subflows' included. */
  subscribe(listener: (event: RunEvent) => void): () => void {
    return subscribe((event) => {
      const runId = event.kind === "flow" ? event.run.id : event.kind === "task" ? event.run.flowRunId : event.log.flowRunId;
      if (!this.runIds.has(runId) && !this.subflowIds.has(runId)) return;
      // A subflow's task run names its child run before the child starts: follow the child's events too.
      if (event.kind === "task" && event.run.subflowRunId) this.subflowIds.add(event.run.subflowRunId);
      listener(event);
    });
  }
}

/** The flow run's error for a failing cell: the message already names the cell and the original error. */
function cellFailure(message: string, stack: string): Error {
  const error = new Error(message);
  error.stack = `${message}\n${stack.split("\n").slice(1).join("\n")}`;
  return markStackMapped(error);
}

