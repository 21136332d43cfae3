// Honest result encoding: a cyclic result is inspect text with a note, a BigInt an exact JSON integer, never
// "[object Object]" or a quoted string.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonView, stringifyJson } from "../../src/core/result-json.js";
import { cli, requireBuiltCli, SLOW, tempDir } from "../acceptance/helpers.js";

requireBuiltCli();

const FLOWS = `import { flow, task } from "cellflow";
export const cyclic = flow("cyclic", async () => {
  const node: Record<string, unknown> = { name: "root", items: [1, 2] };
  node.self = node;
  return node;
});
export const big = flow("big", async () => ({ total: 1234567890123n, small: -5n, label: "n" }));
const count = task("count", () => 2n ** 64n);
export const huge = flow("huge", async () => ({ huge: await count(), negative: -(2n ** 70n), list: [2n ** 53n + 1n] }));
const child = flow("child", async () => 2n ** 64n + 1n);
export const nested = flow("nested", async () => ({ fromChild: await child() }));
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

describe("integers beyond 2^53 in --json output", { timeout: SLOW }, () => {
  const dir = tempDir("result-bigint");
  const home = tempDir("result-bigint-home");
  const file = path.join(dir, "flows.ts");
  fs.writeFileSync(file, FLOWS);

  it("`run --json` (streamed) and `runs result --json` print them exactly", async () => {
    const r = await cli(["run", `${file}:huge`, "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"huge": 18446744073709551616');
    expect(r.stdout).toContain('"negative": -1180591620717411303424');
    expect(r.stdout).toMatch(/"list": \[\s*9007199254740993\s*\]/);
    const id = (JSON.parse(r.stdout) as { id: string }).id;
    const task = await cli(["runs", "result", id, "count", "--json"], { home });
    expect(task.code, task.stderr).toBe(0);
    expect(task.stdout).toBe("18446744073709551616\n");
    const run = await cli(["runs", "result", id, "--json"], { home });
    expect(run.stdout).toContain('"huge": 18446744073709551616');
  });

  it("a run with subflows (rendered whole) prints them exactly too", async () => {
    const r = await cli(["run", `${file}:nested`, "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"fromChild": 18446744073709551617');
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
