// Tables of records and the execute_result bundle.

import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { formatDisplay, formatResult } from "../../src/display/format.js";
import { isRecord, isRecordArray, MAX_TABLE_ROWS, recordsToHtml, recordsToText } from "../../src/display/table.js";

describe("records", () => {
  it.each([
    [{ a: 1 }, true],
    [Object.create(null), true],
    [[], false],
    [new Date(0), false],
    [new (class Row {})(), false],
    [null, false],
    ["a", false],
  ])("isRecord(%o) is %s", (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });

  it("isRecordArray needs a non-empty array of records only", () => {
    expect(isRecordArray([{ a: 1 }, { b: 2 }])).toBe(true);
    expect(isRecordArray([])).toBe(false);
    expect(isRecordArray([{ a: 1 }, 2])).toBe(false);
  });

  it("recordsToText takes the union of columns, right-aligns numbers and leaves missing cells blank", () => {
    expect(recordsToText([{ name: "a", n: 1 }, { n: 100, extra: true }])).toBe(
      ["name    n  extra", "────  ───  ─────", "a       1", "      100  true"].join("\n"),
    );
  });

  it("long tables are cut with a count of the rows left out", () => {
    const rows = Array.from({ length: MAX_TABLE_ROWS + 5 }, (_, i) => ({ i }));
    expect(recordsToText(rows).split("\n").at(-1)).toBe("… 5 more rows");
    expect(recordsToHtml(rows)).toContain("… 5 more rows");
  });

  it("cells flatten newlines and are cut to a readable width", () => {
    const text = recordsToText([{ note: `line one\nline two ${"x".repeat(100)}` }]);
    const cell = text.split("\n")[2];
    expect(cell.startsWith("line one line two")).toBe(true);
    expect(cell.endsWith("…")).toBe(true);
    expect(cell.length).toBe(60);
  });

  it("recordsToHtml escapes keys and values", () => {
    const html = recordsToHtml([{ "<k>": `"&'` }]);
    expect(html).toContain("&lt;k&gt;");
    expect(html).toContain("&quot;&amp;&#39;");
  });
});

describe("formatResult (execute_result)", () => {
  it("is exactly util.inspect for text/plain", () => {
    const value = { a: [1, 2, { b: "c" }], d: new Map([[1, 2]]) };
    expect(formatResult(value)).toEqual({ "text/plain": inspect(value) });
  });

  it("adds an HTML table for an array of records", () => {
    const rows = [{ a: 1 }, { a: 2 }];
    const bundle = formatResult(rows);
    expect(bundle["text/plain"]).toBe(inspect(rows));
    expect(bundle["text/html"]).toContain("<table");
  });
});

describe("formatDisplay", () => {
  it("shows a single record as a one-row table and a string as itself", () => {
    expect(formatDisplay({ a: 1 })["text/plain"]).toBe("a\n─\n1");
    expect(formatDisplay("hello")).toEqual({ "text/plain": "hello" });
    expect(formatDisplay(42)).toEqual({ "text/plain": "42" });
  });
});
