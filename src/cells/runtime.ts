// CellRuntime: runs TypeScript cells one at a time in this V8 context with a scope shared by cells.
//
// Jobs: compile a cell (compile.ts, rewrite.ts), declare its new top-level names as global
// bindings, run it with `vm.Script#runInThisContext` (interruptible by SIGINT while synchronous),
// and turn what it threw into a CellError (cell-error.ts). Values cross into the engine as they
// are: same realm, same `cellflow` module instance (the loader maps the import).

import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { transformSync } from "./esbuild.js";
import { importFrom } from "../loader/index.js";
import { cellError, mapStack, runtimeError, syntaxError, type CellError } from "./cell-error.js";
import { compileCell, isSyntaxError, parseCell, type CellPosition, type CompiledCell } from "./compile.js";
import { DeclarationHistory } from "./declarations.js";
import { isComplete } from "./is-complete.js";
import { HELPER } from "./rewrite.js";
import { addStackRewriter } from "../core/errors.js";
import type { CellDiagnostic } from "./type-check.js";
import { TypeCheckThread } from "./type-check-thread.js";
import { currentSyncRunWatcher } from "./sync-run.js";

export type { CellError };

/** What running a cell gives: its last expression's value, or an error as data. */
export type CellOutcome =
  | { ok: true; value: unknown; hasValue: boolean }
  | { ok: false; error: CellError };

/** Options of a CellRuntime. */
export interface CellRuntimeOptions {
  /**
   * The notebook's folder: relative imports and npm packages resolve from here.
   * @example new CellRuntime({ cwd: path.dirname(notebookPath) })
   */
  cwd: string;
  /**
   * The thread cells are type-checked on, when one was started early (the kernel starts it before its sockets).
   * @default one started on the first check (or by {@link CellRuntime.warmTypeChecker})
   */
  typeChecker?: TypeCheckThread;
}

/** Options of one {@link CellRuntime.run}. */
export interface RunCellOptions {
  /**
   * Top-level names this run must not assign, because a newer cell defined them: their declarations in the cell
   * are left out (a rerun replays an old cell against the session's current definitions).
   * @default none
   * @example runtime.run(oldSource, 3, { keep: new Set(["transform"]) })
   */
  keep?: ReadonlySet<string>;
}

/** What rewritten cells reach through the `__cellflowCell__` global. */
interface CellHelper {
  import(specifier: string, options?: { with?: { type?: string } }): Promise<Record<string, unknown>>;
  meta: { url: string; dirname: string; filename: string };
}

/**
 * Runs TypeScript cells in this process's own context, keeping a scope across cells.
 *
 * Top-level declarations of a cell become global bindings of this realm (declared the first
 * time a name is seen, assigned on every run), so a later cell can use them, declare them again,
 * and functions of earlier cells see the latest values. Runtimes in one process share that scope;
 * the kernel and terminal UI run one per process. Runs must not overlap.
 *
 * @example
 * const rt = new CellRuntime({ cwd: process.cwd() });
 * await rt.run("const rows = [1, 2, 3]", 1);
 * const out = await rt.run("rows.map((r) => r * 2)", 2); // { ok: true, value: [2, 4, 6], hasValue: true }
 */
export class CellRuntime {
  private readonly cwd: string;
  private readonly helper: CellHelper;
  private readonly declared = new Set<string>();
  private readonly mappers = new Map<string, CompiledCell["toCell"]>();
  private readonly assigned = new Map<number | string, string[]>();
  private readonly history = new DeclarationHistory();
  private counter = 0;
  private checker: TypeCheckThread | undefined;

  constructor(options: CellRuntimeOptions) {
    this.cwd = resolve(options.cwd);
    this.checker = options.typeChecker;
    // Stacks through this package's own compiled files point at its sources, as once the loader is registered. The
    // loader itself registers on a cell's first import (importFrom): registering starts Node's hooks thread and
    // blocks this one until it is up (~0.3 s on a loaded machine), which a cell that imports nothing need not wait for.
    process.setSourceMapsEnabled(true);
    const filename = join(this.cwd, "[cell]");
    this.helper = {
      import: (specifier, importOptions) => importFrom(String(specifier), this.cwd, importOptions?.with),
      meta: { url: pathToFileURL(filename).href, dirname: this.cwd, filename },
    };
  }

  /**
   * Runs one cell. Never rejects: syntax, runtime and interrupt errors come back as data with
   * the cell's own line and column. `cellId` names the cell in stacks (`cell[3]:2:5`); it
   * defaults to a counter of runs.
   */
  async run(code: string, cellId?: number | string, options: RunCellOptions = {}): Promise<CellOutcome> {
    const id = cellId ?? ++this.counter;
    const scriptName = `cell[${id}]`;
    const compiled = this.compile(code, id, scriptName, options.keep);
    if (!("script" in compiled)) {
      this.assigned.set(id, []);
      return { ok: false, error: compiled };
    }
    const { script, cell } = compiled;
    this.declare(cell.names);
    this.assigned.set(id, cell.names);
    this.mappers.set(scriptName, cell.toCell);
    this.history.record(parseCell(code));
    (globalThis as Record<string, unknown>)[HELPER] = this.helper;
    latestRuntime.mappers = this.mappers;
    try {
      let value = runSynchronousPart(script);
      if (cell.isAsync) value = await value;
      const hasValue = cell.returnsValue && value !== undefined;
      return { ok: true, value: hasValue ? value : undefined, hasValue };
    } catch (error) {
      return { ok: false, error: runtimeError(error, id, (name) => this.mappers.get(name)) };
    }
  }

  /** The top-level names the last run of a cell assigned (empty for a cell that never compiled). */
  assignedBy(cellId: number | string): readonly string[] {
    return this.assigned.get(cellId) ?? [];
  }

  /**
   * The type errors of `code` if it ran now, checked against the declarations of the cells run so far. The check
   * runs off this thread (type-check-thread.ts), so the cell may run meanwhile (the declarations are taken now).
   * Without the checker's startup snapshot, the first check waits for the compiler's libraries to load (seconds):
   * {@link warmTypeChecker} starts that early.
   */
  checkTypes(code: string, cellId: number | string): Promise<CellDiagnostic[]> {
    this.checker ??= new TypeCheckThread(this.cwd);
    return this.checker.check(this.history.asModule(), code, cellId);
  }

  /** Starts loading and warming up the type checker (off this thread) before the first cell asks for it. */
  warmTypeChecker(): void {
    this.checker ??= new TypeCheckThread(this.cwd);
    this.checker.start();
  }

  /** Jupyter's is_complete: unclosed brackets, strings or templates are "incomplete". */
  isComplete(code: string): "complete" | "incomplete" | "invalid" {
    return isComplete(code);
  }

  /** The TypeScript declarations of the cells run so far, for a language service. */
  declarations(): string {
    return this.history.source();
  }

  /**
   * Turns an error thrown by code defined in cells (a task that failed in the engine, say) into
   * a CellError whose stack points at cell lines.
   */
  toCellError(error: unknown, cellId: number | string): CellError {
    return runtimeError(error, cellId, (name) => this.mappers.get(name));
  }

  /** Maps the `cell[N]:line:col` frames of any stack to the cells' own positions. */
  mapStack(stack: string): string {
    return mapStack(stack, (name) => this.mappers.get(name));
  }

  private compile(code: string, id: number | string, scriptName: string, keep?: ReadonlySet<string>): { script: vm.Script; cell: CompiledCell } | CellError {
    for (const forceStrip of [false, true]) {
      const cell = compileCell(code, forceStrip, keep);
      if (isSyntaxError(cell)) return syntaxError(id, cell.message, cell.position);
      try {
        return { script: new vm.Script(cell.code, { filename: scriptName }), cell };
      } catch (error) {
        // V8 rejected what the TypeScript parser accepted: an early error (`break` outside a
        // loop) or TypeScript syntax the fast path missed, which stripping types fixes.
        if (!forceStrip && error instanceof SyntaxError) continue;
        const message = error instanceof Error ? error.message : String(error);
        return syntaxError(id, message, locateWithEsbuild(code));
      }
    }
    return cellError({ kind: "syntax", name: "SyntaxError", message: "cannot compile the cell", cell: id, stack: "" });
  }

  private declare(names: string[]): void {
    const fresh = names.filter((n) => !this.declared.has(n));
    if (!fresh.length) return;
    try {
      vm.runInThisContext(`let ${fresh.join(", ")};`);
    } catch {
      // Some name is already a binding of this realm (another runtime's, say): declare the rest.
      for (const name of fresh) {
        try {
          vm.runInThisContext(`let ${name};`);
        } catch {}
      }
    }
    for (const name of fresh) this.declared.add(name);
  }
}

// breakOnSigint: a SIGINT while the cell's code runs synchronously ends it (Interrupted) and the process lives on.
function runSynchronousPart(script: vm.Script): unknown {
  const watcher = currentSyncRunWatcher();
  watcher?.enter();
  let interrupted = false;
  try {
    return script.runInThisContext({ breakOnSigint: true, displayErrors: false });
  } catch (error) {
    interrupted = (error as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED";
    throw error;
  } finally {
    watcher?.exit(interrupted);
  }
}

/**
 * Errors of code defined in cells reach the engine (a task that failed) and are stored: their stacks are mapped
 * to the cells' own lines, with the engine's frames hidden, as a cell's own error is. The mappers are those of
 * the runtime that ran last (one per process in the kernel and the terminal UI).
 */
const latestRuntime: { mappers: Map<string, CompiledCell["toCell"]> | null } = { mappers: null };
addStackRewriter((stack) => (latestRuntime.mappers && stack.includes("cell[") ? mapStack(stack, (name) => latestRuntime.mappers!.get(name)) : stack));

function locateWithEsbuild(code: string): CellPosition | undefined {
  try {
    transformSync(code, { loader: "ts", format: "esm" });
    return undefined;
  } catch (error) {
    const location = (error as { errors?: { location?: { line: number; column: number } | null }[] }).errors?.[0]?.location;
    return location ? { line: location.line, column: location.column + 1 } : undefined;
  }
}
