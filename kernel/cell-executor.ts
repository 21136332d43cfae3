// What the kernel needs from whatever runs cells: the cell runtime by default, the notebook session once it is wired.

import type { CellError, CellOutcome } from "../src/cells/runtime.js";

export type { CellError, CellOutcome };

/**
 * Output a cell still has to send once it ran: its type errors, under `%typecheck warn`, while its check goes on.
 * The kernel sends the cell's reply first and its idle status once `done` resolves; an interrupt stops that wait and
 * calls `drop()`, after which nothing more is sent for the cell.
 */
export interface PendingOutput {
  done: Promise<void>;
  drop(): void;
}

/** A cell's outcome, with what it still has to send (see {@link PendingOutput}). */
export type ExecutedCell = CellOutcome & { pending?: PendingOutput };

/** Runs cells for the kernel. `CellRuntime` implements it; a notebook session can wrap one. */
export interface CellExecutor {
  /** Runs one cell; never rejects (errors come back as `{ ok: false, error }`). */
  run(code: string, cellId?: number | string): Promise<ExecutedCell>;
  /** Whether the code is a complete cell, needs more lines, or can never parse. */
  isComplete(code: string): "complete" | "incomplete" | "invalid";
  /** Declarations of everything earlier cells defined, as TypeScript source (for completion and hover). */
  declarations(): string;
}

/** The default executor: Cellflow's cell runtime, loaded lazily so the kernel answers kernel_info fast. */
export async function createCellRuntime(cwd: string): Promise<CellExecutor> {
  const { CellRuntime } = await import("../src/cells/runtime.js");
  return new CellRuntime({ cwd });
}

/** A CellError for an interrupt that arrived while the cell was awaiting (not running synchronously). */
export function interruptedError(cell: number | string): CellError {
  const message = "execution interrupted";
  return {
    kind: "interrupted",
    name: "Interrupted",
    message,
    cell,
    stack: `Interrupted: ${message}`,
    describe: () => `cell ${cell}: Interrupted: ${message}`,
  };
}
