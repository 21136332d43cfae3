// Kernel diagnostics to the real stderr, bypassing the capture that sends a cell's stderr to the notebook.

import { writeSync } from "node:fs";

/** Writes one line to file descriptor 2 (the kernel's own log, as Jupyter shows it in its terminal). */
export function kernelLog(message: string): void {
  try {
    writeSync(2, `[cellflow kernel] ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do with a log line.
  }
}
