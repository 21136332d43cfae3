// The kernel's cell executor over a notebook session: cells run through the session (so task calls become
// tracked runs), type errors print under the cell, a live DAG output follows each run, magics (%rerun, %runs,
// %dag, %logs, %typecheck, %lsmagic) call the session, and an interrupt cancels the running task runs. No run
// logic here: the session owns it.

import { CellRuntime, describeDiagnostic, TYPECHECK_MODES, type CellDiagnostic, type CellError, type CellOutcome, type TypecheckMode } from "../src/cells/index.js";
import type { TypeCheckThread } from "../src/cells/type-check-thread.js";
import type { RunGraph } from "../src/core/records.js";
import type { Store } from "../src/store/store.js";
import { CellflowError } from "../src/core/errors.js";
import { display } from "../src/display/display.js";
import { renderDag } from "../src/display/dag.js";
import { createLiveDag } from "../src/display/live-dag.js";
import { NotebookSession, type SessionExecution } from "../src/session/notebook-session.js";
import type { CellExecutor, ExecutedCell } from "./cell-executor.js";
import { notebookName } from "./notebook-name.js";

const MAGIC = /^%(\w+)\s*(.*)$/;

/** Every magic, as %lsmagic lists it. */
export const MAGICS: Record<string, string> = {
  rerun: "%rerun [run-id]         rerun from failure the session's last failed run, against the current definitions",
  runs: "%runs                   this session's runs",
  dag: "%dag [run-id]           the DAG of the last run (or of run-id)",
  logs: "%logs <task>            log lines of a task of the last run",
  typecheck: "%typecheck strict|warn|off   type errors refuse the cell / print under it (default) / are not checked",
  lsmagic: "%lsmagic                this list",
};

/** Type errors under the cell, one line each, with the cell's own line and column. */
function printDiagnostics(_cell: number | string, diagnostics: CellDiagnostic[]): void {
  process.stderr.write(diagnostics.map((d) => `${describeDiagnostic(d)}\n`).join(""));
}

export class SessionExecutor implements CellExecutor {
  constructor(readonly session: NotebookSession) {
    // The kernel turns interrupt requests into SIGINT; a run in progress ends Cancelled through its AbortSignals.
    process.on("SIGINT", () => {
      if (session.running) session.cancel("interrupted");
    });
  }

  /**
   * Runs a cell through the session. Under `%typecheck warn` it comes back once it ran, its type check possibly still
   * going: the kernel replies at once and the cell's type errors follow under it (`pending`), before its idle status.
   */
  async run(code: string, cellId: number | string = "cell"): Promise<ExecutedCell> {
    const magic = MAGIC.exec(code.trim());
    if (magic && !code.trim().includes("\n")) return this.magic(magic[1], magic[2].trim(), cellId);
    let result: SessionExecution;
    let shown = true;
    const onDiagnostics = (cell: number | string, diagnostics: CellDiagnostic[]) => {
      if (shown) printDiagnostics(cell, diagnostics);
    };
    try {
      result = await this.withLiveDag(() => this.session.execute([{ source: code, id: cellId }], { onDiagnostics, awaitLastCheck: false }));
    } catch (error) {
      // The session refused the cell (a run still going, say): an error reply, never a request left unanswered.
      if (!(error instanceof CellflowError)) throw error;
      return { ok: false, error: magicError(cellId, "UsageError", error.message) };
    }
    const outcome = result.cells[0]?.outcome ?? nothing();
    return { ...outcome, pending: { done: result.checked, drop: () => (shown = false) } };
  }

  isComplete(code: string): "complete" | "incomplete" | "invalid" {
    return MAGIC.test(code.trim()) && !code.trim().includes("\n") ? "complete" : this.session.runtime.isComplete(code);
  }

  declarations(): string {
    return this.session.runtime.declarations();
  }

  /** Runs `work`, showing the DAG of the run it makes (if any) in this cell's output, updated in place. */
  private async withLiveDag(work: () => Promise<SessionExecution>): Promise<SessionExecution> {
    let runId: string | null = null;
    const live = createLiveDag(() => (runId ? (this.session.graph(runId) ?? undefined) : undefined));
    const stop = this.session.subscribe((event) => {
      if (event.kind === "log") return;
      runId ??= event.kind === "flow" ? event.run.id : event.run.flowRunId;
      live.notify();
    });
    try {
      return await work();
    } finally {
      stop();
      live.flush();
      live.dispose();
    }
  }

  private async magic(name: string, arg: string, cellId: number | string): Promise<CellOutcome> {
    try {
      // The engine and the store load on first need: these read runs, of this session or not.
      if (name === "rerun" || name === "runs" || name === "dag" || name === "logs") await this.session.loadEngine();
      switch (name) {
        case "rerun": {
          const result = await this.withLiveDag(() => this.session.rerun(arg || undefined));
          if (result.ok) return nothing();
          const failed = result.cells.find((c) => !c.outcome.ok);
          if (failed && !failed.outcome.ok) return failed.outcome;
          return { ok: false, error: magicError(cellId, "RerunFailed", `run ${result.run?.name} ${result.run?.state.name}: ${result.run?.state.message}`) };
        }
        case "refresh": {
          this.session.refreshNextRun();
          display.markdown("The next run executes every task and stores fresh results (no cache).");
          return nothing();
        }
        case "runs": {
          const runs = this.session.runs();
          if (runs.length === 0) {
            display.markdown("No runs in this session yet: a cell that calls a task makes one.");
            return nothing();
          }
          const store = (await import("../src/engine/engine.js")).getEngine().store;
          display(runs.map((r) => ({ id: r.id.slice(0, 8), name: r.name, state: r.state.name, attempt: r.attempt, tasks: store.getTaskRuns(r.id, r.attempt).length, started: r.startTime ? new Date(r.startTime).toISOString() : "" })));
          return nothing();
        }
        case "dag": {
          const graph = this.session.graph(arg || undefined);
          if (!graph) throw new CellflowError("USAGE", "no run to show yet", "run a cell that calls a task, or give a run id: %dag <run-id>");
          display.bundle(renderDag(graph));
          return nothing();
        }
        case "logs": {
          this.printLogs(arg, (await import("../src/engine/engine.js")).getEngine().store);
          return nothing();
        }
        case "typecheck": {
          if (!arg) {
            process.stdout.write(`%typecheck ${this.session.typecheck}\n`);
            return nothing();
          }
          if (!TYPECHECK_MODES.includes(arg as TypecheckMode)) throw new CellflowError("USAGE", `unknown %typecheck mode '${arg}'`, "use %typecheck strict, warn or off");
          this.session.typecheck = arg as TypecheckMode;
          process.stdout.write(`%typecheck ${arg}\n`);
          return nothing();
        }
        case "lsmagic": {
          process.stdout.write(`Cellflow magics (alone on a line):\n${Object.values(MAGICS).map((m) => `  ${m}`).join("\n")}\n`);
          return nothing();
        }
        default:
          throw new CellflowError("USAGE", `unknown magic %${name}`, `%lsmagic lists them: ${Object.keys(MAGICS).map((m) => `%${m}`).join(", ")}`);
      }
    } catch (error) {
      const e = error as Error;
      return { ok: false, error: magicError(cellId, e instanceof CellflowError ? "UsageError" : e.name, e.message) };
    }
  }

  private printLogs(taskName: string, store: Store): void {
    if (!taskName) throw new CellflowError("USAGE", "%logs needs a task name", "e.g. %logs parse-complaints");
    const graph: RunGraph | null = this.session.graph();
    if (!graph) throw new CellflowError("USAGE", "no run in this session yet", "run a cell that calls a task first");
    store.flush();
    const ids = store.getAllTaskRunRows(graph.flowRun.id).filter((t) => t.task_name === taskName || t.dynamic_key === taskName).map((t) => t.id);
    if (ids.length === 0) throw new CellflowError("USAGE", `run ${graph.flowRun.name} has no task '${taskName}'`, `its tasks: ${[...new Set(graph.taskRuns.map((t) => t.taskName))].join(", ")}`);
    const lines = store.getLogs(graph.flowRun.id, { taskRunIds: ids });
    if (lines.length === 0) process.stdout.write(`no log lines for ${taskName}\n`);
    for (const l of lines) process.stdout.write(`${new Date(l.timestamp).toISOString().slice(11, 23)} ${l.level.padEnd(7)} ${l.message}\n`);
  }
}

function nothing(): CellOutcome {
  return { ok: true, value: undefined, hasValue: false };
}

function magicError(cell: number | string, name: string, message: string): CellError {
  return { kind: "runtime", name, message, cell, stack: `${name}: ${message}`, describe: () => `cell ${cell}: ${name}: ${message}` };
}

/**
 * The executor `cellflow kernel start` uses: a notebook session in the notebook's folder, type-checking on
 * `typeChecker` when the kernel started one already (kernel/session-factory.ts).
 */
export async function createSessionExecutor(cwd: string, typeChecker?: TypeCheckThread): Promise<CellExecutor> {
  const runtime = new CellRuntime({ cwd, typeChecker });
  const session = new NotebookSession({ cwd, name: notebookName(cwd), typecheck: "warn", runtime });
  // The first type check loads the compiler's libraries (seconds): start that now, on the checker's own thread.
  session.runtime.warmTypeChecker();
  return new SessionExecutor(session);
}
