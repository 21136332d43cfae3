// The store's behaviour, the same on both backends: every case runs on the embedded SQLite file and on
// PostgreSQL (CELLFLOW_DATABASE_URL pointing at a new database per test).

import fs from "node:fs";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configureStore, getEngine } from "../../src/engine/engine.js";
import { flow, getRunLogger, task } from "../../src/index.js";
import { Store } from "../../src/store/store.js";
import { resultPath } from "../../src/store/results.js";
import { saveBlock, readBlock } from "../../src/blocks/store.js";
import { TagLimits } from "../../src/engine/concurrency.js";
import { saveDeployments } from "../../src/deploy/deployment-store.js";
import { planSchedules } from "../../src/deploy/deploy.js";
import { schedulerPass } from "../../src/deploy/scheduler.js";
import { claimDueRuns } from "../../src/worker/claim.js";
import { flowRunsChangedSince } from "../../src/store/ui-queries.js";
import type { DeploymentRecord } from "../../src/deploy/types.js";
import { freshStore } from "../engine/helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const MIN = 60_000;

describe.each(["sqlite", "pg"] as const)("the store on %s", (backend) => {
  let database: TestDatabase | null = null;
  let home: string;
  const store = () => getEngine().store;
  /** Another process's view: a second store on the same data. */
  const second = () => Store.open(home, { reap: false });

  beforeEach(async () => {
    if (backend === "pg") {
      database = await freshDatabase("contract", { migrated: true });
      process.env.CELLFLOW_DATABASE_URL = database.url;
    }
    home = freshStore();
  });
  afterEach(async () => {
    configureStore(null);
    delete process.env.CELLFLOW_DATABASE_URL;
    await database?.drop();
    database = null;
  });

  it("a flow run and its task runs are stored in creation order with their state histories, and read back by id prefix", async () => {
    const add = task("add", (a: number, b: number) => a + b);
    const double = task("double", (x: number) => x * 2);
    const f = flow({ name: "arith", tags: ["nightly"] }, async ({ n }: { n: number }) => double(add.submit(n, 1)));
    const run = await f.run({ n: 2 });
    expect(run.state.name).toBe("Completed");
    const s = store();
    s.flush();
    const found = s.findFlowRun(run.id.slice(0, 8));
    expect(found).toMatchObject({ id: run.id, flowName: "arith", parameters: { n: 2 }, tags: ["nightly"], state: { type: "COMPLETED" } });
    expect(typeof found.createdAt).toBe("number");
    const tasks = s.getTaskRuns(run.id);
    expect(tasks.map((t) => [t.taskName, t.state.name])).toEqual([["add", "Completed"], ["double", "Completed"]]);
    expect(tasks[1].upstream).toEqual([tasks[0].id]);
    expect(s.getHistory("flow", run.id).map((h) => h.name)).toEqual(["Pending", "Running", "Completed"]);
    expect(s.getHistory("task", tasks[0].id).map((h) => h.name)).toEqual(["Pending", "Running", "Completed"]);
    expect(s.taskRunCount(run.id, 1)).toBe(2);
    expect(s.taskRunStateCounts(run.id, 1)).toMatchObject([{ name: "Completed", count: 2 }]);
    const outlines = [...s.taskRunOutlines(run.id, 1)];
    expect(outlines.map((o) => o.task_name)).toEqual(["add", "double"]);
    const lines = s.taskRunLinesByRowid(outlines.map((o) => o.rowid));
    expect(lines.get(outlines[1].rowid)).toMatchObject({ id: tasks[1].id, upstream: [tasks[0].id], waitFor: [], runCount: 1, state: { name: "Completed" } });
    expect(s.getRunHistory(run.id).length).toBeGreaterThanOrEqual(9);
    const other = second();
    expect(other.findFlowRun(run.id).state.name).toBe("Completed");
    other.close();
  });

  it("a task that retries and fails leaves Retrying in its history and fails the flow; logs keep order and level", async () => {
    let calls = 0;
    const flaky = task({ name: "flaky", retries: 1, retryDelay: 0 }, () => {
      calls++;
      getRunLogger().warn(`attempt ${calls}`);
      throw new Error("boom");
    });
    const f = flow("fails", async () => {
      getRunLogger().info("starting");
      return flaky();
    });
    await f.run();
    expect(calls).toBe(2);
    const s = store();
    s.flush();
    const record = s.listFlowRuns({ flow: "fails" })[0];
    expect(record.state.type).toBe("FAILED");
    const [t] = s.getTaskRuns(record.id);
    expect(t.runCount).toBe(2);
    expect(t.error?.message).toContain("boom");
    expect(s.getHistory("task", t.id).map((h) => h.name)).toEqual(["Pending", "Running", "AwaitingRetry", "Retrying", "Failed"]);
    const logs = s.getLogs(record.id);
    expect(logs.filter((l) => /starting|attempt/.test(l.message)).map((l) => [l.level, l.message])).toEqual([["info", "starting"], ["warning", "attempt 1"], ["warning", "attempt 2"]]);
    expect(s.getLogs(record.id, { minLevel: "warning" }).every((l) => l.level === "warning" || l.level === "error")).toBe(true);
    expect(s.getLogs(record.id, { afterId: logs[logs.length - 1].id })).toEqual([]);
  });

  it("results are stored inline up to the limit and as files above it; both load back, and a second store sees them", async () => {
    const small = task({ name: "small", persistResult: true }, () => ({ ok: true, n: 42 }));
    const big = task({ name: "big", persistResult: true }, () => "x".repeat(20_000));
    const f = flow("results", async () => [await small(), await big()]);
    const run = await f.run();
    const s = store();
    s.flush();
    const rows = s.getTaskRunRows(run.id);
    const [smallRef, bigRef] = rows.map((r) => r.result_ref!);
    expect(smallRef).toBeTruthy();
    expect(fs.existsSync(resultPath(s.resultsDir, smallRef))).toBe(false);
    expect(fs.existsSync(resultPath(s.resultsDir, bigRef))).toBe(true);
    const other = second();
    expect(other.loadResult(smallRef)).toEqual({ ok: true, n: 42 });
    expect((other.loadResult(bigRef) as string).length).toBe(20_000);
    expect(other.hasResult(smallRef)).toBe(true);
    expect(other.hasResult("0".repeat(64))).toBe(false);
    other.close();
  });

  it("a cached task is found by its key on the next run and not executed; clearing the cache forgets the key", async () => {
    let executed = 0;
    const slow = task({ name: "slow", cachePolicy: "inputs" }, (x: number) => {
      executed++;
      return x * 10;
    });
    const f = flow("cached", async () => slow(3));
    await f.run();
    const second = await f.run();
    expect(executed).toBe(1);
    expect(second.taskRuns[0].state.name).toBe("Cached");
    const s = store();
    s.flush();
    const key = second.taskRuns[0].cacheKey!;
    expect(s.findCached(key)?.resultRef).toBeTruthy();
    expect(s.clearCache("slow")).toBeGreaterThanOrEqual(1);
    expect(s.findCached(key)).toBeNull();
  });

  /** A rerun that must reuse `step` from its run's first attempt, and a task cached across runs (`shared`). */
  function rerunFlow() {
    const counts = { step: 0, shared: 0 };
    let failLast = true;
    const step = task("step", (x: number) => {
      counts.step++;
      return { x: x + 1 };
    });
    const shared = task({ name: "shared", cachePolicy: "inputs" }, (x: number) => {
      counts.shared++;
      return { y: x * 2 };
    });
    const last = task("last", (v: { x: number }) => {
      if (failLast) throw new Error("last fails on the first attempt");
      return v.x;
    });
    const f = flow("rerun-scope", async () => {
      await shared(7);
      return last(await step(1));
    });
    return { f, counts, succeed: () => void (failLast = false) };
  }

  it("a key scoped to its flow run stays out of the cross-run index, yet a rerun in a new process reuses its result", async () => {
    const { f, counts, succeed } = rerunFlow();
    const first = await f.run();
    expect(first.state.name).toBe("Failed");
    const s = store();
    s.flush();
    const rows = new Map(s.getTaskRunRows(first.id).map((r) => [r.task_name, r]));
    expect([rows.get("step")!.cache_scope, rows.get("shared")!.cache_scope]).toEqual(["run", null]);
    expect(s.findCached(rows.get("step")!.cache_key!)).toBeNull();
    expect(s.findCached(rows.get("shared")!.cache_key!)?.taskRunId).toBe(rows.get("shared")!.id);
    succeed();
    configureStore(home);
    const second = await f.run(undefined, { resume: first });
    expect(second.state.name).toBe("Completed");
    expect(counts).toEqual({ step: 1, shared: 1 });
    const step = second.taskRuns.find((t) => t.taskName === "step")!;
    expect(step.state.name).toBe("Cached");
    expect(step.cacheReason).toBe(`cached: from run ${first.name} (${first.id.slice(0, 8)})`);
    expect(step.cachedFrom).toBe(rows.get("step")!.id);
  });

  it("a store from before migration 13 keeps its cached results: a rerun of an old run and a cross-run key still hit", async () => {
    const { f, counts, succeed } = rerunFlow();
    const first = await f.run();
    const s = store();
    s.flush();
    // Back to schema 12 as an older cellflow left it: no scope column, every completed key in the index.
    s.db.exec(`DROP INDEX task_runs_cache;
      ALTER TABLE task_runs DROP COLUMN cache_scope;
      CREATE INDEX task_runs_cache ON task_runs(cache_key) WHERE state_type = 'COMPLETED';
      ${backend === "pg" ? "DELETE FROM cellflow_migrations WHERE version = 13;" : "PRAGMA user_version = 12;"}`);
    configureStore(home);
    succeed();
    const second = await f.run(undefined, { resume: first });
    expect(second.state.name).toBe("Completed");
    const again = await f.run();
    expect(again.state.name).toBe("Completed");
    expect(counts).toEqual({ step: 2, shared: 1 });
    expect(second.taskRuns.find((t) => t.taskName === "step")!.cacheReason).toBe(`cached: from run ${first.name} (${first.id.slice(0, 8)})`);
    expect(again.taskRuns.find((t) => t.taskName === "shared")!.cacheReason).toBe(`cached: from run ${first.name} (${first.id.slice(0, 8)})`);
    const migrated = store();
    migrated.flush();
    expect(migrated.getTaskRunRows(again.id).find((r) => r.task_name === "step")!.cache_scope).toBe("run");
  });

  it("runs are filtered by state, flow, tag and time, newest first", async () => {
    const ok = task("ok", () => 1);
    const good = flow({ name: "good", tags: ["team-a", "daily"] }, async () => ok());
    const bad = flow({ name: "bad", tags: ["team-b"] }, async () => {
      throw new Error("no");
    });
    const first = await good.run();
    await bad.run();
    const third = await good.run();
    const s = store();
    s.flush();
    expect(s.listFlowRuns({ flow: "good" }).map((r) => r.id)).toEqual([third.id, first.id]);
    expect(s.listFlowRuns({ state: "failed" }).map((r) => r.flowName)).toEqual(["bad"]);
    expect(s.listFlowRuns({ tag: "daily" }).map((r) => r.id)).toEqual([third.id, first.id]);
    expect(s.listFlowRuns({ tag: "team-b", state: "Completed" })).toEqual([]);
    expect(s.listFlowRuns({ since: Date.now() + 60_000 })).toEqual([]);
    expect(s.listFlowRuns({ limit: 1 }).map((r) => r.id)).toEqual([third.id]);
  });

  it("artifacts take the next version of their key; the latest of each key is listed", async () => {
    const s = store();
    const a1 = s.createArtifact({ key: "report", type: "markdown", data: JSON.stringify("# one"), flowRunId: null, taskRunId: null });
    const a2 = s.createArtifact({ key: "report", type: "markdown", data: JSON.stringify("# two"), flowRunId: null, taskRunId: null });
    s.createArtifact({ key: "table", type: "table", data: JSON.stringify([{ a: 1 }]), flowRunId: null, taskRunId: null });
    expect([a1.version, a2.version]).toEqual([1, 2]);
    expect(s.getArtifactVersions("report").map((a) => a.version).sort()).toEqual([1, 2]);
    const latest = s.listArtifacts({ latest: true });
    expect(latest.map((a) => `${a.key}@${a.version}`).sort()).toEqual(["report@2", "table@1"]);
  });

  it("a flow run's next attempt is claimed by exactly one of two stores; a cancel request survives the owner's next write", async () => {
    const f = flow("claimed", async () => 1);
    const run = await f.run();
    const s = store();
    s.flush();
    const other = second();
    const state = s.claimNextAttempt(run.id, 1, "rerun");
    expect(state.name).toBe("Pending");
    expect(() => other.claimNextAttempt(run.id, 1, "rerun")).toThrow(/already claimed|RUN_CLAIMED|attempt/);
    other.setFlowRunState(run.id, "Cancelling", "stop please");
    expect(s.heartbeat([run.id])).toEqual([run.id]);
    other.close();
  });

  it("deployments plan each scheduled run once across two stores, and two workers never claim the same run", () => {
    const a = store();
    const b = second();
    const d: DeploymentRecord = {
      id: crypto.randomUUID(), name: "every-minute", entrypoint: "/nowhere/flow.ts:f", flowName: "f", parameters: { a: 1 }, catchup: "all",
      alerts: [], paused: false, schedules: planSchedules([{ kind: "interval", every: "1m", anchor: new Date(T0).toISOString() }], T0), createdAt: T0, updatedAt: T0,
    };
    saveDeployments(a, [d]);
    const first = schedulerPass(a, T0 + 30_000, { lateAfterMs: 15_000 });
    b.db.prepare("UPDATE deployment_schedules SET scheduled_through = ?, upcoming = '[]'").run(T0);
    const again = schedulerPass(b, T0 + 30_000, { lateAfterMs: 15_000 });
    expect(first.created).toBe(3);
    expect(again.created).toBe(0);
    const claimedA = claimDueRuns(a, "host:1:a", 10, T0 + 2 * MIN + 20_000);
    const claimedB = claimDueRuns(b, "host:2:b", 10, T0 + 2 * MIN + 20_000);
    expect(claimedA.map((r) => r.state.name)).toEqual(["Pending", "Pending"]);
    expect(claimedB).toEqual([]);
    expect(a.listFlowRuns({ deployment: "every-minute", limit: 10 }).length).toBe(3);
    b.close();
  });

  it("tag concurrency limits and blocks are shared by every store on the data", () => {
    const s = store();
    new TagLimits(s).set("db", 2);
    saveBlock(s, "json", "settings", { value: { region: "eu" } });
    const other = second();
    expect(new TagLimits(other).list()).toEqual([{ tag: "db", slots: 2, active: 0 }]);
    expect(readBlock(other, "json", "settings")).toEqual({ value: { region: "eu" } });
    other.close();
  });

  it("the change feed (seq) moves forward with every state change, in commit order", async () => {
    const s = store();
    const f = flow("fed", async () => 1);
        const run = await f.run();
    s.flush();
    const changes = await flowRunsChangedSince(s, 0);
    const mine = changes.filter((c) => c.id === run.id);
    expect(mine).toHaveLength(1);
    expect(mine[0].state.name).toBe("Completed");
    expect(await flowRunsChangedSince(s, mine[0].seq)).toEqual([]);
  });

  it("pruning deletes a run with its task runs, logs and unreferenced results; a live run is refused", async () => {
    const keep = task({ name: "keep", persistResult: true }, () => "y".repeat(10_000));
    const f = flow("pruned", async () => {
      getRunLogger().info("hello");
      return keep();
    });
    const run = await f.run();
    const s = store();
    s.flush();
    const ref = s.getTaskRunRows(run.id)[0].result_ref!;
    expect(s.selectPrunableRuns({ before: Date.now() + 1 })).toContain(run.id);
    const dry = s.deleteRuns([run.id], { dryRun: true });
    expect(dry).toMatchObject({ runs: 1, taskRuns: 1 });
    expect(s.findFlowRun(run.id).id).toBe(run.id);
    const done = s.deleteRuns([run.id]);
    expect(done).toMatchObject({ runs: 1, taskRuns: 1, results: 1 });
    expect(done.logs).toBeGreaterThanOrEqual(1);
    expect(() => s.findFlowRun(run.id)).toThrow(/no flow run/);
    expect(s.hasResult(ref)).toBe(false);
    expect(s.integrityCheck()).toBe("ok");
    expect(s.compact(true)).toBeGreaterThan(0);
  });
});

describe("followers on PostgreSQL", () => {
  it("waitForChange resolves at another store's commit (LISTEN/NOTIFY), not at its fallback", async () => {
    const database = await freshDatabase("contract", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    const home = freshStore();
    const writer = Store.open(home);
    const follower = Store.open(home);
    try {
      // The fallback is far beyond the test's time limit: only a notification can resolve it in time.
      const woken = follower.waitForChange(3_600_000);
      writer.appendLog({ flowRunId: "run-1", taskRunId: null, level: "info", message: "hello", timestamp: Date.now() });
      writer.flush();
      await woken;
      expect(follower.getLogs("run-1").map((l) => l.message)).toEqual(["hello"]);
    } finally {
      writer.close();
      follower.close();
      configureStore(null);
      delete process.env.CELLFLOW_DATABASE_URL;
      await database.drop();
    }
  });
});

describe("a lost PostgreSQL connection", () => {
  it("is reopened at the next call, and a batch posted meanwhile is written, not lost", async () => {
    const database = await freshDatabase("contract", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    const store = Store.open(freshStore());
    const log = (message: string) => store.appendLog({ flowRunId: "run-1", taskRunId: null, level: "info", message, timestamp: Date.now() });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      log("before");
      store.flush();
      expect(store.getLogs("run-1").map((l) => l.message)).toEqual(["before"]);
      const killed = await admin.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      expect(killed.rows.length).toBeGreaterThanOrEqual(1);
      // Let the worker see its connection end (an error event), as it would between two calls.
      await new Promise((resolve) => setTimeout(resolve, 200));
      log("after");
      store.flush();
      expect(store.getLogs("run-1").map((l) => l.message)).toEqual(["before", "after"]);
    } finally {
      await admin.end();
      store.close();
      delete process.env.CELLFLOW_DATABASE_URL;
      await database.drop();
    }
  });
});
