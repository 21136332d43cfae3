// A notebook session: cells run through the cell runtime, and the task calls they make become task runs of
// session flow runs. One execution (a cell, or a whole notebook) is one flow run, created on its first task
// call; rerun from failure replays the failed run's cells, with the latest source of each, as its next attempt.
// The kernel and the terminal UI are thin adapters over this class.

import path from "node:path";
import { CellflowError, markStackMapped } from "../core/errors.js";
import type { FlowRunRecord, RunEvent, RunGraph } from "../core/records.js";
import { CellRuntime, type CellError, type CellOutcome } from "../cells/index.js";
import { runContextStorage, type LiveFlowRun } from "../engine/context.js";
import { CancelledError, getEngine } from "../engine/engine.js";
import { subscribe } from "../engine/events.js";
import { getRunGraph } from "../engine/graph.js";
import { isDisplayHandle } from "../display/display.js";
import { closeFlowRun, openFlowRun, type FlowDefinition, type FlowRunOutcome } from "../engine/flow-run.js";

export interface CellInput {
  source: string;
  /** The cell's identity across edits (index in a notebook, or the kernel's execution count). */
  id: number | string;
}

export interface CellExecution {
  cell: number | string;
  outcome: CellOutcome;
}

export interface SessionExecution {
  cells: CellExecution[];
  /** The flow run this execution made, or null when no cell called a task. */
  run: FlowRunRecord | null;
  ok: boolean;
  /** The run's outcome as the engine reports it (for the CLI's exit code and output). */
  outcome: FlowRunOutcome | null;
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
  /** Called after each cell with its outcome, e.g. to print it. */
  onCell?: (execution: CellExecution) => void;
}

export interface NotebookSessionOptions {
  /** The notebook's folder: imports and relative paths resolve from here. */
  cwd: string;
  /** The flow name of this session's runs. @default the notebook's base name, else "notebook" */
  name?: string;
  notebookPath?: string | null;
  runtime?: CellRuntime;
}

export class NotebookSession {
  readonly runtime: CellRuntime;
  readonly name: string;
  readonly notebookPath: string | null;
  private readonly cellsOfRun = new Map<string, Array<number | string>>();
  private readonly latestSource = new Map<number | string, string>();
  private readonly runIds = new Set<string>();
  private active: LiveFlowRun | null = null;
  private last: FlowRunRecord | null = null;
  private lastFailed: FlowRunRecord | null = null;
  private refreshNext = false;

  constructor(options: NotebookSessionOptions) {
    this.notebookPath = options.notebookPath ? path.resolve(options.notebookPath) : null;
    this.name = options.name ?? (this.notebookPath ? path.basename(this.notebookPath, ".ipynb") : "notebook");
    this.runtime = options.runtime ?? new CellRuntime({ cwd: options.cwd });
  }

  /** Run one cell; its task calls (if any) make one flow run. */
  async runCell(source: string, id: number | string): Promise<CellExecution & { run: FlowRunRecord | null }> {
    const result = await this.execute([{ source, id }]);
    return { ...result.cells[0], run: result.run };
  }

  /** Run cells in order as one execution: one flow run for all their task calls. */
  async execute(cells: CellInput[], options: ExecuteOptions = {}): Promise<SessionExecution> {
    if (this.active) throw new CellflowError("USAGE", `a run (${this.active.record.name}) is still going in this session`, "wait for it, or cancel it first");
    const def: FlowDefinition = { name: this.name, fn: () => undefined, options: {}, timeoutMs: null, entrypoint: options.entrypoint ?? null };
    const open = (): LiveFlowRun => {
      this.active ??= openFlowRun(def, options.params ?? {}, { entrypoint: options.entrypoint ?? null, resume: options.resume, adopt: options.adopt, refreshCache: this.takeRefresh(options) });
      this.runIds.add(this.active.record.id);
      return this.active;
    };
    if (options.eager || options.resume || options.adopt) open();
    const executions: CellExecution[] = [];
    let failure: unknown = null;
    for (const cell of cells) {
      this.latestSource.set(cell.id, cell.source);
      const context = { flow: this.active, task: null, lazyFlow: open };
      let outcome = await runContextStorage.run(context, () => this.runtime.run(cell.source, cell.id));
      // A cell ending in display(...) has shown its output; the handle is not a result to show again.
      if (outcome.ok && isDisplayHandle(outcome.value)) outcome = { ok: true, value: undefined, hasValue: false };
      const execution = { cell: cell.id, outcome };
      executions.push(execution);
      options.onCell?.(execution);
      if (!outcome.ok) {
        failure = cellFailure(this.describeCellError(outcome.error, cell.id), outcome.error.stack);
        if (options.stopOnError !== false) break;
      }
    }
    // Read through a cast: TypeScript narrowed `this.active` to null above, but open() may have set it since.
    const live = this.active as LiveFlowRun | null;
    if (!live) return { cells: executions, run: null, ok: failure === null, outcome: null };
    this.cellsOfRun.set(live.record.id, cells.map((c) => c.id));
    let outcome: FlowRunOutcome;
    try {
      outcome = await closeFlowRun(def, live, failure === null ? { ok: true } : { ok: false, error: failure });
    } finally {
      this.active = null;
    }
    this.last = outcome.record;
    if (!outcome.ok) this.lastFailed = outcome.record;
    else if (this.lastFailed?.id === outcome.record.id) this.lastFailed = null;
    return { cells: executions, run: outcome.record, ok: outcome.ok && failure === null, outcome };
  }

  /**
   * Rerun from failure: the session's last failed run (or `runId`) runs again as its next attempt; its cells
   * are replayed with their latest source, completed tasks come back Cached, the rest execute.
   */
  async rerun(runId?: string, options: Omit<ExecuteOptions, "resume"> = {}): Promise<SessionExecution> {
    const target = runId ? getEngine().store.findFlowRun(runId) : this.lastFailed;
    if (!target) throw new CellflowError("NOT_RERUNNABLE", "no failed run in this session to rerun", "run a cell that calls tasks first; %runs lists this session's runs");
    const cellIds = this.cellsOfRun.get(target.id);
    if (!cellIds) throw new CellflowError("NOT_RERUNNABLE", `run ${target.name} was not started in this session`, "rerun it with `cellflow runs retry " + target.id.slice(0, 8) + "`");
    const fresh = getEngine().store.findFlowRun(target.id);
    if (fresh.state.type === "COMPLETED") throw new CellflowError("NOT_RERUNNABLE", `run ${fresh.name} already Completed`, "nothing to rerun");
    const cells = cellIds.map((id) => ({ id, source: this.latestSource.get(id) ?? "" }));
    return this.execute(cells, { ...options, resume: fresh, entrypoint: fresh.entrypoint });
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
    this.active.controller.abort(new CancelledError(reason));
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

  /** The DAG of the run in progress (live), else of `runId` or the last run, from the store. */
  graph(runId?: string): RunGraph | null {
    const id = runId ?? this.currentRunId();
    return id ? getRunGraph(id) : null;
  }

  /** This session's runs, newest first. */
  runs(): FlowRunRecord[] {
    const store = getEngine().store;
    store.flush();
    return [...this.runIds].map((id) => store.findFlowRun(id)).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Events of this session's runs only. */
  subscribe(listener: (event: RunEvent) => void): () => void {
    return subscribe((event) => {
      const runId = event.kind === "flow" ? event.run.id : event.kind === "task" ? event.run.flowRunId : event.log.flowRunId;
      if (this.runIds.has(runId)) listener(event);
    });
  }
}

/** The flow run's error for a failing cell: the message already names the cell and the original error. */
function cellFailure(message: string, stack: string): Error {
  const error = new Error(message);
  error.stack = `${message}\n${stack.split("\n").slice(1).join("\n")}`;
  return markStackMapped(error);
}

