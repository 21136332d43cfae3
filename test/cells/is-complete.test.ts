import { describe, expect, it } from "vitest";
import { isComplete } from "../../src/cells/is-complete.js";

const cases: [string, "complete" | "incomplete" | "invalid"][] = [
  ["const x = 1", "complete"],
  ["", "complete"],
  ["await fetchRows()", "complete"],
  ["interface R { v: number }", "complete"],
  ["function f() {", "incomplete"],
  ["const xs = [1, 2,", "incomplete"],
  ["call(a, b", "incomplete"],
  ["const s = 'abc", "incomplete"],
  ["const t = `line one\nline two", "incomplete"],
  ["const t = `${a + {", "incomplete"],
  ["const t = `${a}` + (", "incomplete"],
  ["/* a comment that goes on", "incomplete"],
  ["const x =", "incomplete"],
  ["1 +", "incomplete"],
  ["const r = /\\(/; r", "complete"],
  ["let = = 1", "invalid"],
  ["const x = )", "invalid"],
  ["f(1))", "invalid"],
];

describe("isComplete() answers like Jupyter's is_complete", () => {
  it.each(cases)("%j is %s", (code, expected) => {
    expect(isComplete(code)).toBe(expected);
  });
});
