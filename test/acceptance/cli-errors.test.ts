// Bad input through the CLI: each case exits 2 with one line that names the thing and the fix, and creates no run.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, errorLines, requireBuiltCli, storedRunIds, SLOW, tempDir, type FlowRunJson } from "./helpers.js";

requireBuiltCli();

const TWO_FLOWS = `import { flow } from "cellflow";
export const alpha = flow("alpha", () => 1);
export const beta = flow("beta-flow", () => 2);
`;

// Line 4, column 13 is the ";" where an expression should be.
const SYNTAX_ERROR = `import { flow } from "cellflow";
export const a = flow("a", () => 1);
export const b = flow("b", () => {
  const x = ;
  return x;
});
`;

const THROWS_ON_LOAD = `import { flow } from "cellflow";
export const a = flow("a", () => 1);
throw new Error("config.yaml is missing");
`;

describe("cellflow with bad input", { timeout: SLOW }, () => {
  const dir = tempDir("cli-errors");
  const home = tempDir("cli-errors-home");
  const two = path.join(dir, "two.ts");
  const broken = path.join(dir, "broken.ts");
  const throws = path.join(dir, "throws.ts");

  beforeAll(() => {
    fs.writeFileSync(two, TWO_FLOWS);
    fs.writeFileSync(broken, SYNTAX_ERROR);
    fs.writeFileSync(throws, THROWS_ON_LOAD);
  });

  const cases: Array<{ what: string; args: () => string[]; says: RegExp[] }> = [
    { what: "an unknown flow name lists the flows the file has", args: () => ["run", `${two}:nope`], says: [/no flow named 'nope'/, /two\.ts/, /it has: alpha, beta-flow/] },
    { what: "a file with several flows and none named asks for one", args: () => ["run", two], says: [/several flows \(alpha, beta-flow\)/, /two\.ts:alpha/] },
    { what: "an unknown flow in the bundled ETL file names the one it has", args: () => ["run", "flows/etl.ts:nope"], says: [/no flow named 'nope' in flows\/etl\.ts/, /it has: etl/] },
    { what: "a module with a syntax error names file:line:col", args: () => ["run", broken], says: [/cannot load/, /broken\.ts:4:13/, /SyntaxError/] },
    { what: "a missing file says so", args: () => ["run", path.join(dir, "missing.ts")], says: [/missing\.ts/, /not found/] },
    { what: "-p without = shows the expected form", args: () => ["run", "flows/etl.ts", "-p", "size"], says: [/parameter 'size' is not key=value/, /-p size=10/] },
    { what: "-p with an empty key is refused", args: () => ["run", "flows/etl.ts", "-p", "=3"], says: [/parameter '=3' is not key=value/] },
    { what: "a -p value the schema refuses names the parameter", args: () => ["run", "flows/etl.ts", "-p", "size=-1"], says: [/flow 'etl'/, /`size`/, /got -1/] },
    { what: "runs show of an unknown id points at runs ls", args: () => ["runs", "show", "deadbeef"], says: [/no flow run 'deadbeef'/, /cellflow runs ls/] },
    { what: "runs retry of an unknown id points at runs ls", args: () => ["runs", "retry", "deadbeef"], says: [/no flow run 'deadbeef'/, /cellflow runs ls/] },
    { what: "runs logs of an unknown id points at runs ls", args: () => ["runs", "logs", "deadbeef"], says: [/no flow run 'deadbeef'/] },
    { what: "runs ls --state with an unknown state names it", args: () => ["runs", "ls", "--state", "Sleepy"], says: [/unknown state 'Sleepy'/, /Completed/] },
  ];

  for (const { what, args, says } of cases) {
    it(`${what} (exit 2, one line, no run)`, async () => {
      const r = await cli(args(), { home });
      expect(r.code).toBe(2);
      const lines = errorLines(r);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      for (const pattern of says) expect(lines[0]).toMatch(pattern);
      expect(storedRunIds(home)).toEqual([]);
    });
  }

  it("a module that throws while loading exits 2 with its message and creates no run", async () => {
    const r = await cli(["run", throws], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("config.yaml is missing");
    expect(r.stderr).toContain("throws.ts");
    expect(storedRunIds(home)).toEqual([]);
  });

  it("runs retry of a Completed run is refused with exit 2 and the run is left as it was", async () => {
    const okHome = tempDir("cli-errors-completed");
    const done = await cliJson<FlowRunJson>(["run", `${two}:alpha`], { home: okHome });
    expect(done.state.name).toBe("Completed");
    const r = await cli(["runs", "retry", done.id], { home: okHome });
    expect(r.code).toBe(2);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`run ${done.name} \\(${done.id.slice(0, 8)}\\) is Completed`));
    expect(lines[0]).toMatch(/only Failed, Crashed or Cancelled runs can be rerun/);
    const after = await cliJson<FlowRunJson[]>(["runs", "ls"], { home: okHome });
    expect(after.map((x) => [x.id, x.state.name, x.attempt])).toEqual([[done.id, "Completed", 1]]);
  });
});
