// runs ls filters (--since, --deployment, --tag with --state/--flow/--limit) and retention (runs rm, runs prune),
// end to end through the CLI on a store seeded through its own write path.

import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, errorLines, requireBuiltCli, SLOW, tempDir, type FlowRunJson } from "../acceptance/helpers.js";
import { withDb, writeFlow } from "../deploy/helpers.js";
import { Store } from "../../src/store/store.js";
import { createArtifactRow, resultFile } from "./seed-extra.js";
import { DAY, seedRun } from "./seed.js";

requireBuiltCli();

const names = (runs: FlowRunJson[]) => runs.map((r) => r.name).sort();

describe("runs ls filters", { timeout: SLOW }, () => {
  let home: string;
  beforeAll(async () => {
    home = tempDir("filters-home");
    const dir = tempDir("filters");
    expect((await cli(["deploy", writeFlow(dir), "--name", "nightly"], { home })).code).toBe(0);
    const deploymentId = (await cliJson<Array<{ id: string }>>(["deployments", "ls"], { home }))[0].id;
    const store = Store.open(home);
    const now = Date.now();
    seedRun(store, { name: "old-etl", state: "Completed", createdAt: now - 3 * DAY, tags: ["nightly"] });
    seedRun(store, { name: "new-etl-ok", state: "Completed", createdAt: now - 2 * 3600_000, tags: ["nightly", "prod"] });
    seedRun(store, { name: "new-etl-failed", state: "Failed", createdAt: now - 3600_000, tags: ["prod"] });
    seedRun(store, { name: "deployed-ok", state: "Completed", createdAt: now - 1800_000, deploymentId, flowName: "counted" });
    seedRun(store, { name: "deployed-old", state: "Failed", createdAt: now - 5 * DAY, deploymentId, flowName: "counted", tags: ["nightly"] });
    seedRun(store, { name: "other", state: "TimedOut", createdAt: now - 600_000, flowName: "report" });
    store.close();
  });

  const cases: Array<[string, string[], string[]]> = [
    ["--since 1d", ["--since", "1d"], ["deployed-ok", "new-etl-failed", "new-etl-ok", "other"]],
    ["--deployment", ["--deployment", "nightly"], ["deployed-ok", "deployed-old"]],
    ["--tag", ["--tag", "nightly"], ["deployed-old", "new-etl-ok", "old-etl"]],
    ["--state by a name that is no type", ["--state", "timedout"], ["other"]],
    ["--state by type (Failed takes in TimedOut)", ["--state", "Failed"], ["deployed-old", "new-etl-failed", "other"]],
    ["--flow", ["--flow", "etl"], ["new-etl-failed", "new-etl-ok", "old-etl"]],
    ["--tag with --since", ["--tag", "nightly", "--since", "1d"], ["new-etl-ok"]],
    ["--deployment with --state", ["--deployment", "nightly", "--state", "COMPLETED"], ["deployed-ok"]],
    ["--flow, --tag, --state and --since", ["--flow", "etl", "--tag", "prod", "--state", "Failed", "--since", "12h"], ["new-etl-failed"]],
  ];
  for (const [what, args, expected] of cases) {
    it(`runs ls ${what}`, async () => expect(names(await cliJson<FlowRunJson[]>(["runs", "ls", ...args], { home }))).toEqual(expected));
  }

  it("--limit keeps the newest; bad filters are one-line errors", async () => {
    expect((await cliJson<FlowRunJson[]>(["runs", "ls", "--tag", "nightly", "--limit", "1"], { home })).map((r) => r.name)).toEqual(["new-etl-ok"]);
    const bad: Array<[string[], RegExp]> = [
      [["--since", "yesterday"], /--since "yesterday" is not a duration/],
      [["--deployment", "nope"], /no deployment named 'nope' — known deployments: nightly/],
      [["--state", "Sleeping"], /unknown state 'Sleeping'/],
    ];
    for (const [args, message] of bad) {
      const r = await cli(["runs", "ls", ...args], { home });
      expect(r.code).toBe(2);
      expect(errorLines(r)).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe("runs rm and runs prune", { timeout: SLOW }, () => {
  it("prune deletes old ended runs with their task runs, logs, artifacts and unused results, keeps a result a newer run uses, never a running run", async () => {
    const home = tempDir("prune-home");
    const store = Store.open(home);
    const now = Date.now();
    const big = Array.from({ length: 2000 }, (_, i) => ({ i, text: `row ${i}` }));
    const old = seedRun(store, {
      name: "old-ok",
      state: "Completed",
      createdAt: now - 40 * DAY,
      tasks: [{ name: "extract", value: big }, { name: "small", value: { n: 1 } }],
      logs: [{ level: "info", message: "old line" }],
    });
    const oldFailed = seedRun(store, { name: "old-failed", state: "Failed", createdAt: now - 35 * DAY, logs: [{ level: "error", message: "boom" }] });
    const bigRef = old.taskRuns[0].resultRef!;
    const smallRef = old.taskRuns[1].resultRef!;
    // A newer run whose task came back from cache: it shares the old run's result.
    const newer = seedRun(store, { name: "newer", state: "Completed", createdAt: now - DAY, tasks: [{ name: "extract", resultRef: bigRef, cachedFrom: old.taskRuns[0].id }] });
    const running = seedRun(store, { name: "still-running", state: "Running", createdAt: now - 50 * DAY });
    store.flush();
    createArtifactRow(store, "row-counts", old.id);
    createArtifactRow(store, "row-counts", newer.id);
    store.close();
    expect(fs.existsSync(resultFile(home, bigRef))).toBe(true);

    const dry = await cliJson<{ dryRun: boolean; deleted: Record<string, number> }>(["runs", "prune", "--older-than", "30d", "--dry-run"], { home });
    expect(dry.deleted).toEqual({ runs: 2, taskRuns: 2, logs: 2, artifacts: 1, results: 1 });
    expect((await cliJson<FlowRunJson[]>(["runs", "ls"], { home })).map((r) => r.name).sort()).toEqual(["newer", "old-failed", "old-ok", "still-running"]);

    const done = await cliJson<{ deleted: Record<string, number>; storeBytes: number }>(["runs", "prune", "--older-than", "30d"], { home });
    expect(done.deleted).toEqual({ runs: 2, taskRuns: 2, logs: 2, artifacts: 1, results: 1 });
    expect((await cliJson<FlowRunJson[]>(["runs", "ls"], { home })).map((r) => r.name).sort()).toEqual(["newer", "still-running"]);
    // The shared result is still there and readable through the newer run; the unshared one is gone.
    expect(fs.existsSync(resultFile(home, bigRef))).toBe(true);
    expect((await cliJson<unknown[]>(["runs", "result", newer.id, "extract"], { home })).length).toBe(2000);
    const left = withDb(home, (db) => ({
      integrity: db.pragma("integrity_check", { simple: true }),
      small: db.prepare("SELECT count(*) AS n FROM results WHERE ref = ?").get(smallRef),
      tasks: db.prepare("SELECT count(*) AS n FROM task_runs WHERE flow_run_id IN (?, ?)").get(old.id, oldFailed.id),
      logs: db.prepare("SELECT count(*) AS n FROM logs WHERE flow_run_id IN (?, ?)").get(old.id, oldFailed.id),
      artifacts: db.prepare("SELECT flow_run_id FROM artifacts").all(),
    }));
    expect(left).toEqual({ integrity: "ok", small: { n: 0 }, tasks: { n: 0 }, logs: { n: 0 }, artifacts: [{ flow_run_id: newer.id }] });

    // A running run is never deleted, even by name; nothing else goes with it.
    const refused = await cli(["runs", "rm", newer.id, running.id], { home });
    expect(refused.code).toBe(2);
    expect(errorLines(refused)).toEqual([`error: run still-running (${running.id.slice(0, 8)}) is Running; nothing was deleted — cancel it first (cellflow runs cancel ${running.id.slice(0, 8)}) or wait until it ends`]);
    expect((await cliJson<FlowRunJson[]>(["runs", "ls"], { home })).map((r) => r.name).sort()).toEqual(["newer", "still-running"]);

    // Once the last run using it is removed, the result file goes too.
    const rm = await cliJson<{ deleted: Record<string, number> }>(["runs", "rm", newer.id.slice(0, 8)], { home });
    expect(rm.deleted).toMatchObject({ runs: 1, taskRuns: 1, results: 1, artifacts: 1 });
    expect(fs.existsSync(resultFile(home, bigRef))).toBe(false);
    expect(withDb(home, (db) => db.pragma("integrity_check", { simple: true }))).toBe("ok");
  });
});
