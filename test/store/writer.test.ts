import os from "node:os";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { SqliteDatabase } from "../../src/store/sqlite/database.js";
import { Store } from "../../src/store/store.js";
import { BatchWriter } from "../../src/store/writer.js";
import { flowRunToRow, TASK_COLUMNS, taskRunToRow, taskRunValues } from "../../src/store/rows.js";
import { Running, Cancelled, Completed, Pending } from "../../src/core/states.js";
import type { FlowRunRecord, TaskRunRecord } from "../../src/core/records.js";
import { taskRunsChangedSince } from "../../src/store/ui-queries.js";
import { deferred, historyNames, tempHome } from "../engine/helpers.js";
import { flow, task } from "../../src/index.js";
import { configureStore, getEngine } from "../../src/engine/engine.js";
import { runFlow } from "../../src/engine/flow-run.js";

function taskRecord(flowRunId: string, id: string, state = Running()): TaskRunRecord {
  return {
    id, flowRunId, flowAttempt: 1, taskName: "t", dynamicKey: id, state, inputs: [], upstream: [], cacheKey: null, cacheReason: "", cachedFrom: null,
    runCount: 1, startTime: 1, endTime: null, tags: [], subflowRunId: null,
  };
}

function saveTask(store: Store, task: TaskRunRecord): void {
  store.saveTaskRun(task, { cacheExpires: null, sourceHash: null, resultRef: null, history: [task.state] });
}

function seqOf(store: Store): Record<string, number> {
  return Object.fromEntries((store.db.prepare("SELECT id, seq FROM task_runs").all() as Array<{ id: string; seq: number }>).map((r) => [r.id, r.seq]));
}

function record(id: string): FlowRunRecord {
  return { id, flowName: "f", name: "f-run", state: Running(), parameters: {}, attempt: 1, startTime: 1, endTime: null, createdAt: 1, entrypoint: null, parentTaskRunId: null, deploymentId: null, tags: [] };
}

describe("batched flow run writes", () => {
  it("an ordinary write from the owner does not erase a cancel request made meanwhile; an end state does", () => {
    const store = Store.open(tempHome());
    const run = record("run-1");
    const extra = { history: [run.state], resultRef: null, owner: "host:1:1", heartbeat: 1 };
    store.saveFlowRun(run, extra);
    store.flush();
    store.setFlowRunState(run.id, "Cancelling", "cancel requested");
    store.saveFlowRun({ ...run, state: Running("still going") }, extra);
    store.flush();
    expect(store.findFlowRun(run.id).state.name).toBe("Cancelling");
    store.saveFlowRun({ ...run, state: Cancelled("stopped") }, extra);
    store.flush();
    expect(store.findFlowRun(run.id).state.name).toBe("Cancelled");
    store.close();
  });
});

describe("the task runs' change sequence", () => {
  it("is assigned by the batch writer in commit order across two connections, and an update moves a task run past the rest", async () => {
    const home = tempHome();
    const a = Store.open(home);
    const b = Store.open(home);
    const run = record("run-seq");
    a.saveFlowRun(run, { history: [run.state], resultRef: null, owner: null, heartbeat: null });
    saveTask(a, taskRecord(run.id, "t1"));
    saveTask(a, taskRecord(run.id, "t2"));
    a.flush();
    saveTask(b, taskRecord(run.id, "t3"));
    b.flush();
    const cursor = Math.max(...Object.values(seqOf(a)));
    saveTask(a, taskRecord(run.id, "t1", Completed()));
    a.flush();
    const seq = seqOf(b);
    expect(seq.t1 > seq.t3 && seq.t3 > seq.t2 && seq.t2 > 0).toBe(true);
    // What a reader resuming after the cursor gets: only the task run that changed.
    expect((await taskRunsChangedSince(b, [run.id], cursor)).map((t) => [t.id, t.state.name])).toEqual([["t1", "Completed"]]);
    // No trigger writes each row twice.
    expect(a.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'task_runs'").all()).toEqual([]);
    a.close();
    b.close();
  });

  it("gives each task run that crash reaping marks its own next seq", () => {
    const home = tempHome();
    const store = Store.open(home);
    // Owned by a process that is not this one (same pid, another start time): reaping takes it for dead.
    const owner = `${os.hostname()}:${process.pid}:not-this-process`;
    const run = record("run-crashed");
    store.saveFlowRun(run, { history: [run.state], resultRef: null, owner, heartbeat: 1 });
    saveTask(store, taskRecord(run.id, "done", Completed()));
    saveTask(store, taskRecord(run.id, "running"));
    saveTask(store, taskRecord(run.id, "pending", Pending()));
    store.flush();
    const before = seqOf(store);
    expect(store.reapCrashed()).toBe(1);
    const after = seqOf(store);
    expect(after.done).toBe(before.done);
    const top = Math.max(...Object.values(before));
    expect([after.running, after.pending].sort((x, y) => x - y)).toEqual([top + 1, top + 2]);
    store.close();
  });
});

describe("a store that stays busy", () => {
  it("says once that writes are failing and once that they work again, not once per retry", async () => {
    const home = tempHome();
    const store = Store.open(home);
    (store.db as SqliteDatabase).raw.pragma("busy_timeout = 0");
    const lines: string[] = [];
    const writer = new BatchWriter(store.db, 20, (line) => void lines.push(line));
    const other = new Database(store.dbPath);
    other.prepare("BEGIN IMMEDIATE").run(); // holds the write lock
    writer.flowRun("run-busy", () => flowRunToRow(record("run-busy"), { history: [], resultRef: null, owner: null, heartbeat: null }));
    await new Promise((resolve) => setTimeout(resolve, 400)); // ~20 retries
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cellflow: store write failed, keeping 1 records and retrying every 20 ms: database is locked\n$/);
    other.prepare("ROLLBACK").run();
    const committed = new Promise<void>((resolve) => writer.onCommit(resolve));
    await committed;
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^cellflow: store writes work again after (\d+) failed attempts over \d+ ms; nothing was lost\n$/);
    expect(Number(/after (\d+)/.exec(lines[1])![1])).toBeGreaterThan(2);
    expect(store.findFlowRun("run-busy").name).toBe("f-run");
    other.close();
    store.close();
  });
});

describe("task runs of a flush that fails", () => {
  it("are kept, the ended ones taken from the front included, and written once in creation order when the store frees", async () => {
    const store = Store.open(tempHome());
    (store.db as SqliteDatabase).raw.pragma("busy_timeout = 0");
    const lines: string[] = [];
    const writer = new BatchWriter(store.db, 20, (line) => void lines.push(line));
    const other = new Database(store.dbPath);
    other.prepare("BEGIN IMMEDIATE").run(); // holds the write lock
    // 400 ended, one still running, 100 ended: the 500th ended one makes a flush of the 400 at the front, which fails.
    const ids = Array.from({ length: 501 }, (_, i) => `task-${String(i).padStart(3, "0")}`);
    for (const [i, id] of ids.entries()) {
      const t = taskRecord("run-busy", id, i === 400 ? Running() : Completed());
      writer.taskRun(t, { cacheExpires: null, sourceHash: null, resultRef: null, history: [t.state] });
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/keeping 501 records/);
    other.prepare("ROLLBACK").run();
    await new Promise<void>((resolve) => writer.onCommit(resolve));
    const rows = store.db.prepare("SELECT id, state_name FROM task_runs ORDER BY rowid").all() as Array<{ id: string; state_name: string }>;
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.filter((r) => r.state_name === "Running").map((r) => r.id)).toEqual(["task-400"]);
    expect(writer.pending).toBe(0);
    other.close();
    store.close();
  });
});

describe("task run rows", () => {
  it("the writer's positional values are taskRunToRow's, column by column", () => {
    const task: TaskRunRecord = {
      ...taskRecord("run-1", "task-1", Completed()),
      inputs: [{ name: "x", kind: "value", hash: "h" }],
      upstream: ["task-0"],
      cacheKey: "k",
      cacheReason: "executed: no earlier run",
      cachedFrom: "task-x",
      endTime: 2,
      tags: ["a"],
      subflowRunId: "sub",
      error: { name: "Error", message: "boom" },
    };
    const extra = { cacheExpires: 5, sourceHash: "src", resultRef: "ref", history: [Pending(), task.state] };
    const row = taskRunToRow(task, extra);
    expect(taskRunValues(task, extra)).toEqual([...TASK_COLUMNS.map((c) => row[c]), 0]); // then the seq slot, 0 until the batch sets it
    expect(Object.keys(row).sort()).toEqual([...TASK_COLUMNS, "worker_id", "max_retries"].sort()); // PostgreSQL only: worker_id, max_retries
    const bare = taskRecord("run-1", "task-2", Completed()); // no tags, no upstream edges: "[]" without a stringify
    const bareRow = taskRunToRow(bare, extra);
    expect(taskRunValues(bare, extra)).toEqual([...TASK_COLUMNS.map((c) => bareRow[c]), 0]);
  });

  it("write a task run's inputs as JSON.stringify does, the single value input written by hand included", () => {
    const extra = { cacheExpires: null, sourceHash: "src", resultRef: null, history: [Pending()] };
    const inputsColumn = TASK_COLUMNS.indexOf("inputs");
    const cases: TaskRunRecord["inputs"][] = [
      [],
      [{ name: "x", kind: "value", hash: "5feceb66ffc86f38d952786c6d696c79" }],
      [{ name: 'we"ird\\ näme\n', kind: "value", hash: "h" }],
      [{ name: "x", kind: "value" }],
      [{ name: "x", kind: "task_run", taskRunId: "t-1", hash: "h" }],
      [{ name: "waitFor", kind: "wait_for", taskRunId: "t-1" }],
      [
        { name: "a", kind: "value", hash: "h1" },
        { name: "b", kind: "value", hash: "h2" },
      ],
    ];
    for (const inputs of cases) {
      const task: TaskRunRecord = { ...taskRecord("run-1", "task-1", Pending()), inputs };
      expect(taskRunValues(task, extra)[inputsColumn]).toBe(JSON.stringify(inputs));
      expect(taskRunToRow(task, extra).inputs).toBe(JSON.stringify(inputs));
    }
  });
});

describe("task runs created in one go", () => {
  /** How many task run rows were written (every write takes the next seq; the store is fresh), and the rows in rowid order. */
  function written(flowRunId: string): { writes: number; keys: string[]; states: string[] } {
    const store = getEngine().store;
    store.flush();
    const rows = store.db.prepare("SELECT dynamic_key, state_name, seq FROM task_runs WHERE flow_run_id = ? ORDER BY rowid").all(flowRunId) as Array<{ dynamic_key: string; state_name: string; seq: number }>;
    return { writes: Math.max(...rows.map((r) => r.seq)), keys: rows.map((r) => r.dynamic_key), states: [...new Set(rows.map((r) => r.state_name))] };
  }

  it("a loop of 3,000 submit() calls writes each task run's row once, Completed, in creation order", async () => {
    configureStore(tempHome());
    const inc = task("inc", (x: number) => x + 1);
    const fan = flow("fan-once", async () => {
      const futures = [];
      for (let i = 0; i < 3000; i++) futures.push(inc.submit(i));
      let sum = 0;
      for (const f of futures) sum += await f.result();
      return sum;
    });
    const run = await runFlow(fan.definition, {});
    expect(run.record.state.name).toBe("Completed");
    const { writes, keys, states } = written(run.record.id);
    expect(writes).toBe(3000);
    expect(keys).toEqual(Array.from({ length: 3000 }, (_, i) => `inc-${i}`));
    expect(states).toEqual(["Completed"]);
    expect(historyNames("task", getEngine().store.getTaskRuns(run.record.id)[1234].id)).toEqual(["Pending", "Running", "Completed"]);
  });

  it("keep creation order when an early task run is still running as the later ones end", async () => {
    configureStore(tempHome());
    const gate = deferred<number>();
    const slow = task("slow", async () => gate.promise);
    const inc = task("inc", (x: number) => x + 1);
    const fan = flow("fan-slow-first", async () => {
      const first = slow.submit();
      const futures = [];
      for (let i = 0; i < 2000; i++) futures.push(inc.submit(i));
      for (const f of futures) await f.result();
      gate.resolve(1);
      return first.result();
    });
    const run = await runFlow(fan.definition, {});
    expect(run.record.state.name).toBe("Completed");
    const { writes, keys, states } = written(run.record.id);
    expect(writes).toBeLessThan(2 * 2001); // not every one twice, Pending then Completed
    expect(keys).toEqual(["slow-0", ...Array.from({ length: 2000 }, (_, i) => `inc-${i}`)]);
    expect(states).toEqual(["Completed"]);
  });
});
