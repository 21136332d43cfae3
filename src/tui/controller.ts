// The terminal UI's actions over one NotebookSession: run a typed cell (queued in order while another runs, as
// Jupyter does), edit an earlier cell, run all, rerun from failure, cancel, save typed cells to the notebook, and
// re-run what changed when the notebook changes on disk. Run logic stays in the session; this class only calls it
// and writes what happened into the scrollback (each cell's source, then its type errors, output and result).

import path from "node:path";
import { readFileSync } from "node:fs";
import { CellflowError } from "../core/errors.js";
import { stateGlyph } from "../core/states.js";
import { appendCodeCells, parseNotebook, type Notebook } from "../notebook/index.js";
import { installDisplaySink, type DisplaySink } from "../display/sink.js";
import type { CellExecution, CellInput, NotebookSession, SessionExecution } from "../session/notebook-session.js";
import { graphSummary, runDuration } from "../cli/output.js";
import { describeDiagnostic, type CellDiagnostic } from "../cells/index.js";
import { cellEcho, outcomeText } from "./cell-output.js";
import type { ScrollbackStore } from "./scrollback-store.js";
import type { Tone } from "./theme.js";

export type Busy = "cell" | "all" | "rerun" | "watch";

export interface StatusMessage {
  text: string;
  tone: Tone;
}

export interface TuiControllerOptions {
  session: NotebookSession;
  scrollback: ScrollbackStore;
}

export class TuiController {
  readonly session: NotebookSession;
  readonly scrollback: ScrollbackStore;
  /** The notebook's code cells, ids = 1-based positions (as `cellflow run` names them). */
  cells: CellInput[] = [];
  /** Cells typed in the UI and not saved yet; their ids continue after the notebook's cells. */
  typed: CellInput[] = [];
  busy: Busy | null = null;
  message: StatusMessage | null = null;
  version = 0;
  private notebookCellCount = 0;
  private pendingReload = false;
  /** Cells typed while another action ran: they run after it, in order. */
  private readonly queue: Array<{ cell: CellInput; edited: boolean }> = [];
  private idle: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<() => void>();

  constructor(options: TuiControllerOptions) {
    this.session = options.session;
    this.scrollback = options.scrollback;
  }

  get notebookPath(): string | null {
    return this.session.notebookPath;
  }

  get notebookName(): string {
    return this.notebookPath ? path.basename(this.notebookPath) : "";
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Every cell in order: the notebook's, then the typed ones. */
  allCells(): CellInput[] {
    return [...this.cells, ...this.typed];
  }

  /** Resolves when no action is going. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** Sends display() output of cells to the scrollback; returns the function that removes the sink. */
  attachDisplay(): () => void {
    const text = (o: { data: { "text/plain": string } }) => o.data["text/plain"];
    const sink: DisplaySink = {
      display: (o) => this.scrollback.push(text(o), undefined, o.displayId),
      update: (o) => this.scrollback.replace(o.displayId, text(o)),
      clear: () => undefined, // the scrollback keeps history; nothing to clear in place
    };
    const previous = installDisplaySink(sink);
    return () => void installDisplaySink(previous);
  }

  /** Reads the notebook and lists its code cells in the scrollback (they do not run). */
  load(): boolean {
    const file = this.notebookPath;
    if (!file) {
      this.scrollback.push("no notebook: type a cell and press Enter · ? lists every key", "info");
      return true;
    }
    const notebook = this.read(file);
    if (!notebook) return false;
    this.useNotebook(notebook);
    const name = path.basename(file);
    this.scrollback.push(`${name}: ${this.cells.length} code cell${this.cells.length === 1 ? "" : "s"} (not run) · ctrl+r runs all · ? lists every key`, "info");
    for (const cell of this.cells) this.scrollback.push(cellEcho(cell.id, cell.source), "info");
    return true;
  }

  /**
   * Runs a cell typed in the input; while another action runs it is queued and runs after it, in order. With
   * `editing`, the source replaces that earlier cell (same id: the session treats it as an edit of that cell).
   */
  runInput(source: string, editing?: number | string): Promise<void> {
    const cell = { id: editing ?? this.notebookCellCount + this.typed.length + this.queue.filter((q) => !q.edited).length + 1, source };
    if (this.busy) {
      this.queue.push({ cell, edited: editing !== undefined });
      this.scrollback.push(`${cellEcho(cell.id, source)}\n    (queued: runs after the current run)`, "info");
      this.changed();
      return this.idle;
    }
    return this.runCell(cell, editing !== undefined);
  }

  private runCell(cell: CellInput, edited: boolean): Promise<void> {
    return this.act("cell", () => {
      this.remember(cell);
      return this.session.execute([cell], this.showing(edited ? "edited" : "typed"));
    });
  }

  /** The cells one can edit, in order (notebook, then typed). */
  editableCells(): CellInput[] {
    return this.allCells();
  }

  /** Cells waiting for the current run to end. */
  get queued(): readonly CellInput[] {
    return this.queue.map((q) => q.cell);
  }

  /** Runs every cell, notebook and typed, as one execution (one flow run). */
  runAll(): Promise<void> {
    const cells = this.allCells();
    if (cells.length === 0) {
      this.say("no cells to run: type one, or open a notebook", "warning");
      return this.idle;
    }
    return this.act("all", () => {
      this.scrollback.push(`run all: ${cells.length} cell${cells.length === 1 ? "" : "s"} as one run`, "accent");
      return this.session.execute(cells, this.showing("run"));
    });
  }

  /** Rerun from failure of the session's last failed run. */
  rerun(): Promise<void> {
    return this.act("rerun", () => {
      this.scrollback.push("rerun from failure", "accent");
      return this.session.rerun(undefined, this.showing("run"));
    });
  }

  /** Cancels the run in progress. */
  cancel(): void {
    if (this.session.cancel()) this.say("cancelling the run…", "warning");
    else this.say("no run is going", "info");
  }

  /** Appends the typed cells to the notebook (other cells, outputs and metadata stay as they are). */
  save(): void {
    const file = this.notebookPath;
    if (!file) return this.say("no notebook to save to: start with `cellflow tui <notebook.ipynb>`", "warning");
    if (this.typed.length === 0) return this.say("nothing to save: no new cells typed", "info");
    try {
      appendCodeCells(file, this.typed.map((c) => c.source));
    } catch (error) {
      return this.say(error instanceof Error ? error.message : String(error), "error");
    }
    const n = this.typed.length;
    this.cells.push(...this.typed);
    this.notebookCellCount += n;
    this.typed = [];
    this.say(`saved ${n} cell${n === 1 ? "" : "s"} to ${path.basename(file)}`, "ok");
  }

  /** The notebook changed on disk: re-read it and run the changed cells and the cells after them as one run. */
  reload(): Promise<void> {
    const file = this.notebookPath;
    if (!file) return this.idle;
    if (this.busy) {
      this.pendingReload = true;
      return this.idle;
    }
    const notebook = this.read(file, true);
    if (!notebook) return this.idle;
    this.useNotebook(notebook);
    const changed = this.session.changedFrom(this.allCells());
    if (changed.length === 0) {
      this.say(`${path.basename(file)} changed on disk; no cell source changed`, "info");
      return this.idle;
    }
    return this.act("watch", () => {
      this.scrollback.push(`${path.basename(file)} changed: re-running cells ${changed.map((c) => c.id).join(", ")} as one run`, "accent");
      return this.session.execute(changed, this.showing("run"));
    });
  }

  say(text: string, tone: Tone): void {
    this.message = { text, tone };
    this.changed();
  }

  private read(file: string, keepOnError = false): Notebook | null {
    try {
      return parseNotebook(readFileSync(file, "utf8"), file);
    } catch (error) {
      const missing = (error as { code?: string }).code === "ENOENT";
      const text = missing
        ? `${path.basename(file)} does not exist yet: ctrl+s saves the cells you type into it`
        : `${error instanceof Error ? error.message : String(error)}${keepOnError ? " (keeping the last good cells)" : ""}`;
      this.say(text, missing ? "info" : "error");
      if (!missing) this.scrollback.push(text, "error");
      return null;
    }
  }

  private useNotebook(notebook: Notebook): void {
    this.notebookCellCount = notebook.cells.length;
    this.cells = notebook.cells
      .filter((c) => c.cellType === "code" && c.source.trim() !== "")
      .map((c) => ({ id: c.index + 1, source: c.source }));
    this.changed();
  }

  /** A typed cell joins the typed cells; an edited one replaces its earlier source. */
  private remember(cell: CellInput): void {
    const list = this.cells.some((c) => c.id === cell.id) ? this.cells : this.typed;
    const at = list.findIndex((c) => c.id === cell.id);
    if (at >= 0) list[at] = cell;
    else this.typed.push(cell);
    this.changed();
  }

  /** Session callbacks that write each cell into the scrollback: its source first, then what it showed and gave. */
  private showing(kind: "typed" | "edited" | "run"): { onCellStart: (cell: CellInput) => void; onDiagnostics: (cell: number | string, d: CellDiagnostic[]) => void; onCell: (e: CellExecution) => void } {
    return {
      onCellStart: (cell) => this.scrollback.push(kind === "edited" ? `${cellEcho(cell.id, cell.source)}\n    (edited)` : cellEcho(cell.id, cell.source), kind === "run" ? "info" : "accent"),
      onDiagnostics: (_cell, diagnostics) => this.scrollback.push(diagnostics.map(describeDiagnostic).join("\n"), "warning"),
      onCell: (e) => this.showOutcome(e),
    };
  }

  private act(busy: Busy, work: () => Promise<SessionExecution>): Promise<void> {
    if (this.busy) {
      this.say("a run is going: wait for it, or press Esc then c to cancel it", "warning");
      return this.idle;
    }
    this.busy = busy;
    this.message = null;
    this.changed();
    this.idle = (async () => {
      try {
        this.report(await work());
      } catch (error) {
        const text = error instanceof CellflowError || error instanceof Error ? error.message : String(error);
        this.scrollback.push(text, "error");
        this.say(text, "error");
      } finally {
        this.busy = null;
        this.changed();
      }
      const next = this.queue.shift();
      if (next) await this.runCell(next.cell, next.edited);
      else if (this.pendingReload) {
        this.pendingReload = false;
        await this.reload();
      }
    })();
    return this.idle;
  }

  private showOutcome(execution: CellExecution): void {
    const shown = outcomeText(execution.outcome, (error) => this.session.describeCellError(error, execution.cell));
    if (shown) this.scrollback.push(shown.text, shown.error ? "error" : undefined);
  }

  private report(execution: SessionExecution): void {
    const run = execution.run;
    if (!run) return;
    const graph = this.session.graph(run.id);
    const summary = graph ? graphSummary(graph) : "";
    const ok = run.state.type === "COMPLETED";
    const attempt = run.attempt > 1 ? ` (attempt ${run.attempt})` : "";
    const text = `${stateGlyph(run.state)} run ${run.name}${attempt} ${run.state.name} in ${runDuration(run)}: ${summary}`;
    this.scrollback.push(ok ? text : `${text} — Esc then r reruns from failure`, ok ? "ok" : "error");
    this.say(text, ok ? "ok" : "error");
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
