// One retry at a time: two `cellflow runs retry` of the same run started together → exactly one executes it.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, errorLines, executions, requireBuiltCli, SLOW, startCli, tempDir, type CliResult, type FlowRunJson } from "../acceptance/helpers.js";

requireBuiltCli();

/**
 * `gate` fails until a marker file exists, then holds until a second one does (the test writes it once the losing
 * retry has exited, so the two always overlap however late the second process starts); the 20 tasks after it count
 * their executions in one file.
 */
const FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
const gate = task("gate", async () => {
  fs.appendFileSync(path.join(dir, "gate.count"), "x\\n");
  if (!fs.existsSync(path.join(dir, "fixed.marker"))) throw new Error("gate closed");
  for (let waited = 0; !fs.existsSync(path.join(dir, "go.marker")) && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  return 1;
});
const step = task("step", (i: number) => {
  fs.appendFileSync(path.join(dir, "step.count"), "x\\n");
  return i;
});

export const race = flow("race", async () => {
  await gate();
  for (let i = 0; i < 20; i++) await step(i);
  return 20;
});
`;

describe("two racing `runs retry` of one failed run", { timeout: SLOW }, () => {
  const dir = tempDir("retry-race");
  const home = tempDir("retry-race-home");
  let failed: FlowRunJson;
  let results: CliResult[];

  beforeAll(async () => {
    fs.writeFileSync(path.join(dir, "race.ts"), FLOW);
    const first = await cli(["run", path.join(dir, "race.ts"), "--json"], { home });
    failed = JSON.parse(first.stdout) as FlowRunJson;
    fs.writeFileSync(path.join(dir, "fixed.marker"), "");
    const a = startCli(["runs", "retry", failed.id], { home });
    const b = startCli(["runs", "retry", failed.id], { home });
    // The first to exit is the loser (the winner holds in `gate` until told); then the winner may go on.
    await Promise.race([a.done, b.done]);
    fs.writeFileSync(path.join(dir, "go.marker"), "");
    results = await Promise.all([a.done, b.done]);
  }, SLOW);

  it("exactly one exits 0; the other exits 2 with one line naming the owner", () => {
    expect(failed.state.name).toBe("Failed");
    const codes = results.map((r) => r.code).sort();
    expect(codes, results.map((r) => r.stderr).join("\n")).toEqual([0, 2]);
    const loser = results.find((r) => r.code === 2)!;
    expect(errorLines(loser)).toHaveLength(1);
    // The winner is still running (held in `gate`) when the loser gives up: the loser names it.
    expect(loser.stderr).toMatch(/already claimed by process .+:\d+ \(\w+\)/);
  });

  it("the failed part executed once more in total, not twice", () => {
    expect(executions(path.join(dir, "gate.count"))).toBe(2);
    expect(executions(path.join(dir, "step.count"))).toBe(20);
  });

  it("the store holds one attempt 2 with one set of task runs", () => {
    const db = new Database(path.join(home, "cellflow.db"), { readonly: true });
    try {
      const run = db.prepare("SELECT attempt, state_name FROM flow_runs WHERE id = ?").get(failed.id) as { attempt: number; state_name: string };
      expect(run).toEqual({ attempt: 2, state_name: "Completed" });
      const perAttempt = db.prepare("SELECT flow_attempt, count(*) AS n FROM task_runs WHERE flow_run_id = ? GROUP BY flow_attempt ORDER BY flow_attempt").all(failed.id);
      expect(perAttempt).toEqual([
        { flow_attempt: 1, n: 1 },
        { flow_attempt: 2, n: 21 },
      ]);
    } finally {
      db.close();
    }
  });
});
