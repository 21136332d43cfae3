// The work queue on PostgreSQL at the store level: the reaper puts a never-started run back, crashes a started
// one and moves it to its next attempt as its retries allow, runs one at a time; writes of an older attempt are
// fenced off (flow upsert and task trigger). A database per test.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { saveDeployments } from "../../src/deploy/deployment-store.js";
import { insertScheduledRun } from "../../src/deploy/run-rows.js";
import type { DeploymentRecord } from "../../src/deploy/types.js";
import { decodeHistory } from "../../src/store/run-state.js";
import { freshStore } from "../engine/helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";

const WORKER = { id: "host-a:100:w1", owner: "host-a:100:7" };
const CHILD = "host-a:101:8";

describe("the work queue on PostgreSQL", () => {
  let database: TestDatabase;
  let store: Store;
  let deployment: DeploymentRecord;

  beforeEach(async () => {
    database = await freshDatabase("queue", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    store = Store.open(freshStore(), { reap: false });
    const now = Date.now();
    deployment = { id: crypto.randomUUID(), name: "d", entrypoint: "/nowhere/flow.ts:f", flowName: "f", parameters: {}, catchup: "all", alerts: [], paused: false, schedules: [], createdAt: now, updatedAt: now };
    saveDeployments(store, [deployment]);
  });

  afterEach(async () => {
    store.close();
    delete process.env.CELLFLOW_DATABASE_URL;
    await database.drop();
  });

  /** A run claimed by WORKER at `at`, adopted by its child with `retries` when given (then Running). */
  function claimedRun(at: number, retries?: number): string {
    const id = insertScheduledRun(store, deployment, at - 10, {}, "test", false)!;
    expect(store.workQueue.claim(id, WORKER.owner, WORKER.id, at)).not.toBeNull();
    if (retries !== undefined) {
      store.db.prepare("UPDATE flow_runs SET owner = ?, crash_retries = ?, state_type = 'RUNNING', state_name = 'Running' WHERE id = ?").run(CHILD, retries, id);
    }
    return id;
  }

  const row = (id: string) => store.getFlowRunRow(id)!;

  it("a second claim of the same run finds nothing: a run is claimed once", () => {
    const id = claimedRun(Date.now());
    expect(store.workQueue.claim(id, "host-b:200:9", "host-b:200:w2")).toBeNull();
    expect(row(id).owner).toBe(WORKER.owner);
  });

  it("the reaper puts a claimed, never-started run back, crashes a started one, and retries it as its retries allow", () => {
    const now = Date.now();
    store.workQueue.beat(WORKER.id, WORKER.owner, ["pool-x"], now - 10_000);
    const waiting = claimedRun(now - 5_000);
    const retried = claimedRun(now - 5_000, 1);
    const final = claimedRun(now - 5_000, 0);
    const report = store.workQueue.reap(3_000, now)!;
    expect(report.workers).toEqual([WORKER.id]);
    expect(row(waiting)).toMatchObject({ state_name: "Scheduled", attempt: 1, owner: null, worker_id: null });
    expect(row(retried)).toMatchObject({ state_name: "AwaitingRetry", state_type: "SCHEDULED", attempt: 2, owner: null });
    expect(decodeHistory(row(retried).history).map((h) => h.name).slice(-2)).toEqual(["Crashed", "AwaitingRetry"]);
    expect(row(final)).toMatchObject({ state_name: "Crashed", attempt: 1 });
    // The dead worker is gone; a live one is left alone by the next pass.
    store.workQueue.beat("host-b:200:w2", "host-b:200:9", []);
    expect(store.workQueue.reap(3_000)).toEqual({ workers: [], crashed: [], tasks: [] });
    // Attempt 2 is claimable by another worker; attempt 2 crashing again has no retry left.
    expect(store.workQueue.claim(retried, "host-b:200:9", "host-b:200:w2")).not.toBeNull();
    store.db.prepare("UPDATE flow_runs SET owner = 'host-b:201:1' WHERE id = ?").run(retried);
    expect(store.workQueue.crashRun(retried, 2, "its process exited")).toBe(false);
    expect(row(retried)).toMatchObject({ state_name: "Crashed", attempt: 2 });
  });

  it("one reaper at a time: a pass while another holds the reaper lock returns null", () => {
    store.workQueue.beat(WORKER.id, WORKER.owner, [], Date.now() - 10_000);
    const other = Store.open(freshStore(), { reap: false });
    try {
      other.db.exec("BEGIN");
      other.db.exec("SELECT pg_advisory_xact_lock(x'6366726561706572'::bigint)");
      expect(store.workQueue.reap(3_000)).toBeNull();
      other.db.exec("ROLLBACK");
      expect(store.workQueue.reap(3_000)?.workers).toEqual([WORKER.id]);
    } finally {
      other.close();
    }
  });

  it("heartbeats, and a reaper pass that finds nobody dead, do not wait for the store's write lock", () => {
    store.workQueue.beat(WORKER.id, WORKER.owner, []);
    const run = claimedRun(Date.now());
    const other = Store.open(freshStore(), { reap: false });
    try {
      // Another process in the middle of a write batch holds the write lock (protocol.ts: WRITE_LOCK).
      other.db.exec("BEGIN");
      other.db.exec("SELECT pg_advisory_xact_lock(7161285233512034560)");
      // Waiting for it is an error here rather than a wait for the other transaction's end.
      store.db.exec("SET lock_timeout = '1s'");
      expect(store.workQueue.beat(WORKER.id, WORKER.owner, [])).toEqual({ inserted: false });
      expect(store.workQueue.reap(3_000)).toEqual({ workers: [], crashed: [], tasks: [] });
      // Nor does the heartbeat of this process's flow runs.
      expect(store.heartbeat([run])).toEqual([]);
      // A write of runs still waits for it.
      expect(() => store.db.prepare("UPDATE flow_runs SET name = name").run()).toThrow(/lock timeout/);
    } finally {
      store.db.exec("RESET lock_timeout");
      other.close();
    }
  });

  it("fencing: a flow row or task row of an older attempt, or over a Crashed verdict, is refused", () => {
    const now = Date.now();
    store.workQueue.beat(WORKER.id, WORKER.owner, [], now - 10_000);
    const id = claimedRun(now - 5_000, 1);
    const zombie = store.findFlowRun(id);
    store.workQueue.reap(3_000, now);
    expect(row(id).attempt).toBe(2);
    // The paused child wakes and writes attempt 1 Completed with a task run: neither lands.
    store.saveFlowRun({ ...zombie, state: { type: "COMPLETED", name: "Completed", message: "", timestamp: Date.now() }, attempt: 1 }, { history: [], resultRef: null, owner: null, heartbeat: Date.now() });
    const done = { type: "COMPLETED", name: "Completed", message: "", timestamp: Date.now() } as const;
    store.saveTaskRun(
      { id: crypto.randomUUID(), flowRunId: id, flowAttempt: 1, taskName: "t", dynamicKey: "t-1", state: done, inputs: [], upstream: [], cacheKey: null, cacheReason: "", cachedFrom: null, runCount: 1, startTime: done.timestamp, endTime: done.timestamp, tags: [], subflowRunId: null },
      { cacheExpires: null, sourceHash: null, resultRef: null, history: [done] },
    );
    store.flush();
    expect(row(id)).toMatchObject({ state_name: "AwaitingRetry", attempt: 2 });
    expect(store.getTaskRuns(id)).toEqual([]);
    // Same attempt, but the run was declared Crashed (no retry left): refused too.
    store.workQueue.beat(WORKER.id, WORKER.owner, [], Date.now() - 10_000);
    const crashed = claimedRun(Date.now() - 5_000, 0);
    const late = store.findFlowRun(crashed);
    store.workQueue.reap(3_000);
    store.saveFlowRun({ ...late, state: { type: "COMPLETED", name: "Completed", message: "", timestamp: Date.now() } }, { history: [], resultRef: null, owner: null, heartbeat: Date.now() });
    store.flush();
    expect(row(crashed).state_name).toBe("Crashed");
  });

  it("a task run write is fenced and numbered by one trigger: seq moves when the row changed (any column), and stays when nothing did", () => {
    const id = claimedRun(Date.now(), 1);
    const pending = { type: "PENDING", name: "Pending", message: "", timestamp: Date.now() } as const;
    const task = { id: crypto.randomUUID(), flowRunId: id, flowAttempt: 1, taskName: "t", dynamicKey: "t-1", state: pending, inputs: [], upstream: [], cacheKey: null, cacheReason: "", cachedFrom: null, runCount: 0, startTime: null, endTime: null, tags: [], subflowRunId: null };
    const extra = { cacheExpires: null, sourceHash: null, resultRef: null, history: [pending] };
    const seq = () => (store.db.prepare("SELECT seq FROM task_runs WHERE id = ?").get(task.id) as { seq: number }).seq;
    store.saveTaskRun(task, extra);
    store.flush();
    const first = seq();
    // The same row again: nothing changed, so nothing for a follower to read.
    store.saveTaskRun(task, extra);
    store.flush();
    expect(seq()).toBe(first);
    // Only a column no state trigger named (its inputs): a change all the same.
    store.saveTaskRun({ ...task, inputs: [{ name: "x", kind: "value", hash: "h1" }] }, extra);
    store.flush();
    const second = seq();
    expect(second).toBeGreaterThan(first);
    // Its flow run moved on to attempt 2: the write for attempt 1 is dropped.
    store.db.prepare("UPDATE flow_runs SET attempt = 2 WHERE id = ?").run(id);
    store.saveTaskRun({ ...task, state: { ...pending, type: "COMPLETED", name: "Completed" } }, extra);
    store.flush();
    expect(store.db.prepare("SELECT state_name, seq FROM task_runs WHERE id = ?").get(task.id)).toEqual({ state_name: "Pending", seq: second });
    const triggers = store.db.prepare("SELECT tgname FROM pg_trigger WHERE tgrelid = 'task_runs'::regclass AND NOT tgisinternal AND (tgtype & 2) <> 0").all();
    expect(triggers).toEqual([{ tgname: "task_runs_write" }]);
  });
});
