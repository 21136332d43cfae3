// A cell error as Jupyter's traceback lines: where in which cell, then the stack frames of user code.

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { CellError } from "../cell-executor.js";

// Frames of the kernel itself (dist/kernel/…) say how the cell was called, not where it failed.
const KERNEL_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

function isUserFrame(line: string): boolean {
  if (!/^\s+at\s/.test(line)) return false;
  return !line.includes(KERNEL_DIR) && !/\(node:|at node:/.test(line);
}

/** The `traceback` field of an error message: "cell 3, line 2, col 5: TypeError: …", then user frames. */
export function traceback(error: CellError): string[] {
  return [error.describe(), ...error.stack.split("\n").filter(isUserFrame)];
}
