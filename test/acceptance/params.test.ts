// Acceptance scenario 4: `-p` values are parsed, coerced and validated by the flow's zod schema; a bad one is refused before any run exists.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cli, cliJson, errorLines, requireBuiltCli, storedRunIds, SLOW, taskNamed, tempDir, type FlowRunJson } from "./helpers.js";

requireBuiltCli();

/** Trips in a bundled CSV, counted independently of the flow: its lines minus the header. */
function tripsIn(color: string, month: number): number {
  const file = path.join(ROOT, "notebooks/data/taxi", `${color}_tripdata_2024-0${month}.csv`);
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).length - 1;
}

describe("cellflow run flows/ingest.ts:ingest -p ...", { timeout: SLOW }, () => {
  it("-p months=[1,2,3] -p color=green runs with the parsed values and counts the green trips of those months", async () => {
    const home = tempDir("params-ok");
    const r = await cli(["run", "flows/ingest.ts:ingest", "-p", "months=[1,2,3]", "-p", "color=green", "--json"], { home });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as FlowRunJson;
    expect(run.flowName).toBe("ingest");
    expect(run.state.name).toBe("Completed");
    expect(run.parameters).toMatchObject({ months: [1, 2, 3], color: "green" });
    expect(run.result).toBe(tripsIn("green", 1) + tripsIn("green", 2) + tripsIn("green", 3));
    const reads = run.taskRuns!.filter((t) => t.name === "read-trips");
    expect(reads.map((t) => t.state.name)).toEqual(["Completed", "Completed", "Completed"]);
    expect(taskNamed(run, "count-trips").state.name).toBe("Completed");
    expect([...taskNamed(run, "count-trips").upstream].sort()).toEqual(reads.map((t) => t.id).sort());
  });

  it("fills in the schema's defaults for parameters not given", async () => {
    const home = tempDir("params-defaults");
    const run = await cliJson<FlowRunJson>(["run", "flows/ingest.ts:ingest"], { home });
    expect(run.parameters).toMatchObject({ months: [1], color: "yellow" });
    expect(run.result).toBe(tripsIn("yellow", 1));
  });

  it("the ETL flow's size=25 arrives as the number 25, and a string path stays a string", async () => {
    const home = tempDir("params-etl");
    const out = tempDir("params-etl-out");
    const run = await cliJson<FlowRunJson>(["run", "flows/etl.ts", "-p", "size=25", "-p", `db=${path.join(out, "c.db")}`, "-p", `csv=${path.join(out, "c.csv")}`], { home });
    expect(run.parameters).toEqual({ source: "notebooks/data/complaints.json", size: 25, db: path.join(out, "c.db"), csv: path.join(out, "c.csv") });
    expect(run.result).toMatchObject({ rows: 25 });
  });

  const refused: Array<{ args: string[]; names: string; says: RegExp }> = [
    { args: ["-p", "months=[13]"], names: "months", says: /<=\s*12|too big/i },
    { args: ["-p", "months=[0]"], names: "months", says: />=\s*1|too small/i },
    { args: ["-p", "months=[1.5]"], names: "months", says: /int/i },
    { args: ["-p", "color=purple"], names: "color", says: /yellow.*green/ },
    { args: ["-p", "months=abc"], names: "months", says: /array/i },
    { args: ["-p", "months=[1,2,3]", "-p", "color=7"], names: "color", says: /yellow.*green/ },
  ];

  for (const { args, names, says } of refused) {
    it(`refuses ${args.filter((a) => a !== "-p").join(" ")} with exit 2, one line naming \`${names}\`, and no run`, async () => {
      const home = tempDir("params-bad");
      const r = await cli(["run", "flows/ingest.ts:ingest", ...args], { home });
      expect(r.code).toBe(2);
      const lines = errorLines(r);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`\`${names}`);
      expect(lines[0]).toMatch(says);
      expect(r.stdout).toBe("");
      expect(storedRunIds(home)).toEqual([]);
    });
  }
});
