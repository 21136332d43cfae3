// Honest result encoding: a cyclic result is inspect text with a note, a BigInt an exact JSON integer, never
// "[object Object]" or a quoted string.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonView, stringifyJson } from "../../src/core/result-json.js";
import { cli, requireBuiltCli, SLOW, tempDir } from "../acceptance/helpers.js";

requireBuiltCli();

const FLOWS = `import { flow } from "cellflow";
export const cyclic = flow("cyclic", async () => {
  const node: Record<string, unknown> = { name: "root", items: [1, 2] };
  node.self = node;
  return node;
});
export const big = flow("big", async () => ({ total: 1234567890123n, small: -5n, label: "n" }));
`;

describe("`cellflow run --json` of flows returning values JSON cannot hold", { timeout: SLOW }, () => {
  const dir = tempDir("result-encoding");
  const home = tempDir("result-encoding-home");
  const file = path.join(dir, "flows.ts");
  fs.writeFileSync(file, FLOWS);

  it("a cyclic object is shown as inspect text with a note, not [object Object]", async () => {
    const r = await cli(["run", `${file}:cyclic`, "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { result: unknown };
    expect(run.result).not.toBe("[object Object]");
    expect(run.result).toMatch(/^<ref \*1> \{ name: 'root', items: \[ 1, 2 \], self: \[Circular \*1\] \}$/);
  });

  it("a BigInt is an exact JSON integer, not a string", async () => {
    const r = await cli(["run", `${file}:big`, "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"total": 1234567890123');
    expect(r.stdout).toContain('"small": -5');
    expect(r.stdout).not.toContain('"1234567890123"');
    const run = JSON.parse(r.stdout) as { result: { label: string; small: number } };
    expect(run.result.small).toBe(-5);
    expect(run.result.label).toBe("n");
  });
});

describe("jsonView and stringifyJson", () => {
  it.each([
    [{ a: 1 }, '{"a":1}'],
    [[1n, "x", null], '[1,"x",null]'],
    [{ s: "\u0000bigint-not-a-mark:1" }, '{"s":"\\u0000bigint-not-a-mark:1"}'],
    [undefined, "null"],
  ])("stringifyJson(%o) is %s", (value, text) => {
    expect(stringifyJson(jsonView(value).value)).toBe(text);
  });
});
