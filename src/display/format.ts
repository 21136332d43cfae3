// Turns any value into a MIME bundle: util.inspect text, plus tables for records (used by display() and execute_result).

import { inspect } from "node:util";
import type { MimeBundle } from "./sink.js";
import { isRecord, isRecordArray, recordsToHtml, recordsToText } from "./table.js";

/**
 * The bundle for a cell's last-expression value: `text/plain` exactly as `util.inspect` prints it,
 * plus `text/html` (a table) when the value is an array of records.
 */
export function formatResult(value: unknown): MimeBundle {
  const bundle: MimeBundle = { "text/plain": inspect(value) };
  if (isRecordArray(value)) bundle["text/html"] = recordsToHtml(value);
  return bundle;
}

/**
 * The bundle display(value) shows: records and arrays of records as a text table and an HTML
 * table, strings as they are, anything else as `util.inspect` text.
 */
export function formatDisplay(value: unknown): MimeBundle {
  if (isRecordArray(value)) return { "text/plain": recordsToText(value), "text/html": recordsToHtml(value) };
  if (isRecord(value) && Object.keys(value).length > 0) {
    return { "text/plain": recordsToText([value]), "text/html": recordsToHtml([value]) };
  }
  if (typeof value === "string") return { "text/plain": value };
  return { "text/plain": inspect(value) };
}
