// Records (plain objects) and arrays of records rendered as a text table and an HTML table.

import { inspect } from "node:util";
import { escapeHtml } from "./html.js";

/** Rows beyond this are summarised as "… N more rows". */
export const MAX_TABLE_ROWS = 100;
const MAX_CELL_CHARS = 60;

export type TableRecord = Record<string, unknown>;

/** A plain object: created by `{}`/JSON/`Object.create(null)`, not a class instance, array, Map, Date … */
export function isRecord(value: unknown): value is TableRecord {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A non-empty array whose every element is a record. */
export function isRecordArray(value: unknown): value is TableRecord[] {
  return Array.isArray(value) && value.length > 0 && value.every(isRecord);
}

/** One cell's text: strings as they are, other values as a compact util.inspect, cut to a readable width. */
export function cellText(value: unknown): string {
  const raw = typeof value === "string" ? value : inspect(value, { breakLength: Infinity, depth: 1, maxArrayLength: 10 });
  const flat = raw.replace(/\s*\n\s*/g, " ");
  return flat.length > MAX_CELL_CHARS ? `${flat.slice(0, MAX_CELL_CHARS - 1)}…` : flat;
}

interface Table {
  columns: string[];
  rows: string[][];
  numeric: boolean[];
  hidden: number;
}

function toTable(records: TableRecord[]): Table {
  const columns: string[] = [];
  const seen = new Set<string>();
  const shown = records.slice(0, MAX_TABLE_ROWS);
  for (const record of shown) {
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const rows = shown.map((record) => columns.map((c) => (c in record ? cellText(record[c]) : "")));
  const numeric = columns.map((c) =>
    shown.every((r) => !(c in r) || typeof r[c] === "number" || typeof r[c] === "bigint"),
  );
  return { columns, rows, numeric, hidden: records.length - shown.length };
}

function moreRows(hidden: number): string {
  return `… ${hidden} more row${hidden === 1 ? "" : "s"}`;
}

/**
 * A fixed-width text table with a header rule; numeric columns are right-aligned.
 * @example recordsToText([{ a: 1, b: "x" }]) // " a  b\n──  ─\n 1  x"
 */
export function recordsToText(records: TableRecord[]): string {
  const { columns, rows, numeric, hidden } = toTable(records);
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const out = [line(columns), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)];
  if (hidden > 0) out.push(moreRows(hidden));
  return out.join("\n");
}

const TABLE_STYLE = "border-collapse:collapse;font-family:var(--jp-code-font-family,monospace);font-size:12px";
const CELL_STYLE = "padding:2px 8px;border-bottom:1px solid #ddd";

/** An HTML table of the records, every value escaped. */
export function recordsToHtml(records: TableRecord[]): string {
  const { columns, rows, numeric, hidden } = toTable(records);
  const align = (i: number) => (numeric[i] ? "right" : "left");
  const head = columns
    .map((c, i) => `<th style="${CELL_STYLE};text-align:${align(i)}">${escapeHtml(c)}</th>`)
    .join("");
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => `<td style="${CELL_STYLE};text-align:${align(i)}">${escapeHtml(cell)}</td>`).join("")}</tr>`,
    )
    .join("");
  const foot = hidden > 0 ? `<tfoot><tr><td colspan="${columns.length}" style="${CELL_STYLE}">${escapeHtml(moreRows(hidden))}</td></tr></tfoot>` : "";
  return `<table class="cellflow-table" style="${TABLE_STYLE}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody>${foot}</table>`;
}
