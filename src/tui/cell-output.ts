// How a cell shows in the scrollback: its source, its value (util.inspect, records as a table) or its error.

import { inspect } from "node:util";
import type { CellOutcome } from "../cells/index.js";
import type { CellError } from "../cells/index.js";
import { isRecordArray, recordsToText } from "../display/table.js";

const MAX_STACK_FRAMES = 12;
/** Frames of libraries (Ink, React, any package) and of Node itself say nothing about the user's cell. */
const LIBRARY_FRAME = /node_modules[\\/]|\(node:|at node:/;

/** The cell's source with its id as a prompt: "[3] const rows = …" and continuation lines indented. */
export function cellEcho(id: number | string, source: string): string {
  const prompt = `[${id}] `;
  return source
    .trimEnd()
    .split("\n")
    .map((line, i) => (i === 0 ? prompt : " ".repeat(prompt.length)) + line)
    .join("\n");
}

/** A value as the scrollback shows it: arrays of records as a table, anything else as util.inspect prints it. */
export function valueText(value: unknown): string {
  if (isRecordArray(value)) return recordsToText(value);
  return inspect(value, { depth: 4, breakLength: 100 });
}

/** The error line (as describeCellError gives it), the rest of a multi-line message, and the stack's own frames. */
export function errorText(describe: string, error: CellError): string {
  const rest = error.message.split("\n").slice(1).filter((l) => l.trim() !== "");
  const frames = error.stack
    .split("\n")
    .filter((l) => /^\s+at /.test(l) && !LIBRARY_FRAME.test(l))
    .slice(0, MAX_STACK_FRAMES)
    .map((l) => `  ${l.trim()}`);
  return [describe, ...rest, ...frames].join("\n");
}

/** What to show for an outcome: null when the cell had no value. */
export function outcomeText(outcome: CellOutcome, describe: (error: CellError) => string): { text: string; error: boolean } | null {
  if (!outcome.ok) return { text: errorText(describe(outcome.error), outcome.error), error: true };
  if (!outcome.hasValue) return null;
  return { text: valueText(outcome.value), error: false };
}
