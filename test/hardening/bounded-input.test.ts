// Bounded input: deep `-p` JSON, a deep cellflow.yaml, an unbindable kernel address and short id prefixes are one
// line and exit 2; a huge bad value is echoed truncated.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bracketDepth, echo, nestingDepth } from "../../src/core/input-bounds.js";
import { cli, errorLines, requireBuiltCli, SLOW, tempDir, type CliResult } from "../acceptance/helpers.js";

requireBuiltCli();

const FLOW = `import { flow } from "cellflow";
export const f = flow("f", async () => 1);
`;

function expectOneLine(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(errorLines(r), r.stderr.slice(0, 2000)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toContain("    at ");
}

describe("bounded input through the CLI", { timeout: SLOW }, () => {
  const dir = tempDir("bounded");
  const home = tempDir("bounded-home");
  const file = path.join(dir, "f.ts");

  beforeAll(() => {
    fs.writeFileSync(file, FLOW);
  });

  it("-p JSON nested 30,000 levels: one line naming the parameter, exit 2", async () => {
    const deep = "[".repeat(30_000) + "]".repeat(30_000);
    expectOneLine(await cli(["run", file, "-p", `deep=${deep}`], { home }), /parameter 'deep' nests deeper than \d+ levels/);
  });

  it("cellflow.yaml nested 20,000 levels: one line naming the file, exit 2", async () => {
    const project = tempDir("bounded-yaml");
    fs.copyFileSync(file, path.join(project, "f.ts"));
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    fs.writeFileSync(path.join(project, "cellflow.yaml"), `deployments:\n  - name: deep\n    entrypoint: f.ts:f\n    parameters: {deep: ${deep}}\n`);
    expectOneLine(await cli(["deploy", "--all"], { home, cwd: project }), /cellflow\.yaml.*(nests deeper than|nested more than) \d+ levels/);
  });

  it("a kernel connection file with an address this machine does not have: one line, exit 2", async () => {
    const conn = path.join(dir, "kernel.json");
    const ports = { shell_port: 45101, iopub_port: 45102, stdin_port: 45103, control_port: 45104, hb_port: 45105 };
    fs.writeFileSync(conn, JSON.stringify({ transport: "tcp", ip: "203.0.113.77", key: "k", signature_scheme: "hmac-sha256", ...ports }));
    expectOneLine(await cli(["kernel", "start", conn], { home }), /cannot bind the \w+ channel to tcp:\/\/203\.0\.113\.77:\d+/);
  });

  it("a 120 KB bad -p value is echoed truncated", async () => {
    const huge = "x".repeat(120_000);
    const noEquals = await cli(["run", file, "-p", huge], { home });
    expectOneLine(noEquals, /parameter 'x{80}… \(120000 characters\)' is not key=value/);
    expect(noEquals.stderr.length).toBeLessThan(400);
    const wrongType = await cli(["run", "flows/ingest.ts:ingest", "-p", `months=${huge}`], { home });
    expectOneLine(wrongType, /parameter `months` is invalid: .*got "x{79}… \(120002 characters\)/);
    expect(wrongType.stderr.length).toBeLessThan(400);
  });

  it.each(["a", "ab", "abc"])("id prefix '%s' is too short (min 4), not 'no flow run'", async (prefix) => {
    const r = await cli(["runs", "show", prefix], { home });
    expectOneLine(r, /run id prefix '\w+' is too short \(at least 4 characters\)/);
  });
});

describe("the bound helpers", () => {
  it("nestingDepth counts without recursion and stops past its limit", () => {
    expect(nestingDepth(1)).toBe(0);
    expect(nestingDepth({ a: [1, { b: [] }] })).toBe(4);
    expect(nestingDepth(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)), 10)).toBe(11);
  });

  it("echo keeps short text and cuts long text with its length", () => {
    expect(echo("short")).toBe("short");
    expect(echo("y".repeat(100))).toBe(`${"y".repeat(80)}… (100 characters)`);
  });

  it("bracketDepth counts [ and { outside quoted strings", () => {
    expect(bracketDepth(`{a: [1, {b: "[[[["}], c: '{{'}`)).toBe(3);
    expect(bracketDepth("[".repeat(50_000), 10)).toBe(11);
    expect(bracketDepth(`"esc \\" [" ]`)).toBe(0);
  });
});
