// Cell errors as data: kind, place in the cell, and a stack that points at cells, not the runtime.

import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import type { CellPosition } from "./compile.js";

/** An error from running a cell, as data every front end renders the same way. */
export interface CellError {
  kind: "syntax" | "type" | "runtime" | "interrupted";
  name: string;
  message: string;
  /** The cell the error points at: where it was thrown, else the cell being run. */
  cell: number | string;
  /** 1-based line in that cell's own source. */
  line?: number;
  /** 1-based column in that cell's own source. */
  column?: number;
  /** Frames pointing at `cell[N]:line:col`; the runtime's and Node's internal frames removed. */
  stack: string;
  /** One line: "cell 3, line 2, col 5: ReferenceError: x is not defined". */
  describe(): string;
}

/** Finds the source mapping of a cell by its script name (`cell[N]`). */
export type CellMapper = (scriptName: string) => ((line: number, column: number) => CellPosition | undefined) | undefined;

const CELL_FRAME = /cell\[([^\]]*)\]:(\d+):(\d+)/g;
const OWN_DIR = fileURLToPath(new URL("..", import.meta.url)); // dist/src/ (or src/ under a test runner)

/** Builds a CellError; `describe()` is derived from the fields. */
export function cellError(fields: Omit<CellError, "describe">): CellError {
  return {
    ...fields,
    describe() {
      const where = [`cell ${fields.cell}`];
      if (fields.line !== undefined) where.push(`line ${fields.line}`);
      if (fields.column !== undefined) where.push(`col ${fields.column}`);
      const head = fields.name && fields.name !== "Error" ? `${fields.name}: ${fields.message}` : fields.message;
      return `${where.join(", ")}: ${head.split("\n")[0]}`;
    },
  };
}

/** A syntax error at a place in the cell being compiled. */
export function syntaxError(cell: number | string, message: string, position?: CellPosition): CellError {
  const at = position ? `\n    at cell[${cell}]:${position.line}:${position.column}` : "";
  return cellError({ kind: "syntax", name: "SyntaxError", message, cell, line: position?.line, column: position?.column, stack: `SyntaxError: ${message}${at}` });
}

/**
 * Turns anything a cell threw into a CellError: stack frames in cells are mapped to the cells'
 * own lines and columns, frames of the runtime and of Node internals are dropped, and the error's
 * place is the first frame inside a cell.
 */
export function runtimeError(thrown: unknown, runningCell: number | string, mapper: CellMapper): CellError {
  if (!(thrown instanceof Error) && !(typeof thrown === "object" && thrown !== null && "stack" in thrown)) {
    const message = inspect(thrown);
    return cellError({ kind: "runtime", name: "Uncaught", message, cell: runningCell, stack: `Uncaught ${message}` });
  }
  const error = thrown as Error & { code?: unknown };
  if (error.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
    const message = "execution interrupted";
    return cellError({ kind: "interrupted", name: "Interrupted", message, cell: runningCell, stack: `Interrupted: ${message}` });
  }
  const name = String(error.name ?? "Error");
  const message = String(error.message ?? "");
  const stack = mapStack(String(error.stack ?? `${name}: ${message}`), mapper);
  const first = /cell\[([^\]]*)\]:(\d+):(\d+)/.exec(stack.split("\n").find((l) => /^\s+at /.test(l) && l.includes("cell[")) ?? "");
  const cell = first ? parseCellId(first[1]) : runningCell;
  return cellError({
    kind: "runtime",
    name,
    message,
    cell,
    line: first ? Number(first[2]) : undefined,
    column: first ? Number(first[3]) : undefined,
    stack,
  });
}

/**
 * Rewrites a stack: cell frames to cell positions; Node's internal frames, the runtime's own, and
 * every frame below the outermost cell frame (whoever ran the cell: the kernel, the engine) removed.
 */
export function mapStack(stack: string, mapper: CellMapper): string {
  const lines = stack.split("\n");
  const out: string[] = [];
  let lastCellFrame = -1;
  for (const line of lines) {
    if (!/^\s+at /.test(line)) {
      out.push(line);
      continue;
    }
    if (line.includes("node:internal") || line.includes("node:vm") || isOwnFrame(line)) continue;
    let drop = false;
    const mapped = line.replace(CELL_FRAME, (whole, id: string, l: string, c: string) => {
      const toCell = mapper(`cell[${id}]`);
      if (!toCell) return whole;
      const pos = toCell(Number(l), Number(c));
      if (!pos) drop = true; // the cell wrapper's own call
      return pos ? `cell[${id}]:${pos.line}:${pos.column}` : whole;
    });
    if (drop) continue;
    if (mapped !== line || line.includes("cell[")) lastCellFrame = out.length;
    out.push(mapped);
  }
  return (lastCellFrame >= 0 ? out.slice(0, lastCellFrame + 1) : out).join("\n");
}

function isOwnFrame(line: string): boolean {
  return line.includes(OWN_DIR) || line.includes(`file://${OWN_DIR}`);
}

function parseCellId(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}
