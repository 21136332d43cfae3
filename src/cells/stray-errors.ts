// Errors no cell is there to catch: a throw in a timer or event callback a cell set up after it ended, a promise a
// cell let reject with no handler. Node ends the process on either, which in a notebook loses every variable of the
// session (the kernel dies, the terminal UI closes). The kernel and the terminal UI catch them while they serve cells:
// the error is shown where the user looks (under the cell, in the scrollback), its stack at the cells' own lines, and
// the session goes on.

import { inspect } from "node:util";
import { toErrorInfo } from "../core/errors.js";

/**
 * Calls `report` with the text of every uncaught exception and unhandled promise rejection from now on, instead of
 * Node ending the process. Returns the function that gives them back to Node.
 * @example const release = catchStrayErrors((text) => process.stderr.write(text));
 */
export function catchStrayErrors(report: (text: string) => void): () => void {
  // A report that throws would end the process after all (a throw in an uncaughtException listener is fatal).
  const tell = (text: string) => {
    try {
      report(text);
    } catch {}
  };
  const onException = (error: unknown) => tell(strayErrorText("Uncaught", error));
  const onRejection = (reason: unknown) => tell(strayErrorText("Unhandled promise rejection", reason));
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
  };
}

/**
 * "Uncaught Error: boom" and the stack's frames, mapped to cell lines, without Node's internal frames; a value that
 * is not an Error is inspected. Ends with a newline.
 */
export function strayErrorText(what: string, error: unknown): string {
  if (!(error instanceof Error)) return `${what}: ${inspect(error, { depth: 2, breakLength: Infinity })}\n`;
  const info = toErrorInfo(error);
  const frames = (info.stack ?? "").split("\n").filter((line) => /^\s+at\s/.test(line) && !/\(node:|at node:/.test(line));
  return [`${what} ${info.name || "Error"}: ${info.message}`, ...frames].join("\n") + "\n";
}
