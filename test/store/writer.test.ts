import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { BatchWriter } from "../../src/store/writer.js";
import { flowRunToRow } from "../../src/store/rows.js";
import { Running, Cancelled } from "../../src/core/states.js";
import type { FlowRunRecord, TaskRunRecord } from "../../src/core/records.js";
import { tempHome } from "../engine/helpers.js";

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
    store.setFlowRunStateDirect(run.id, "CANCELLING", "Cancelling", "cancel requested");
    store.saveFlowRun({ ...run, state: Running("still going") }, extra);
    store.flush();
    expect(store.findFlowRun(run.id).state.name).toBe("Cancelling");
    store.saveFlowRun({ ...run, state: Cancelled("stopped") }, extra);
    store.flush();
    expect(store.findFlowRun(run.id).state.name).toBe("Cancelled");
    store.close();
  });
});

describe("task run change sequence", () => {
  function taskRecord(id: string, flowRunId: string): TaskRunRecord {
    return {
      id, flowRunId, flowAttempt: 1, taskName: "t", dynamicKey: `t-${id}`, state: Running(), inputs: [], upstream: [], cacheKey: null,
      cacheReason: "", cachedFrom: null, runCount: 1, startTime: 1, endTime: null, tags: [], subflowRunId: null,
    };
  }
  const extra = { cacheExpires: null, sourceHash: null, resultRef: null, history: [] };
  const seqOf = (store: Store, id: string) => (store.db.prepare("SELECT seq FROM task_runs WHERE id = ?").get(id) as { seq: number }).seq;

  it("numbers every batched write after everything before it, and a direct update after that", () => {
    const store = Store.open(tempHome());
    const a = taskRecord("a", "run-1");
    const b = taskRecord("b", "run-1");
    store.saveTaskRun(a, extra);
    store.saveTaskRun(b, extra);
    store.flush();
    expect([seqOf(store, "a"), seqOf(store, "b")]).toEqual([1, 2]);
    store.saveTaskRun({ ...a, state: Cancelled("stopped") }, extra);
    store.flush();
    expect(seqOf(store, "a")).toBe(3);
    // A write outside the batch writer (as crash reaping does) is numbered by the trigger.
    store.db.prepare("UPDATE task_runs SET state_name = 'Crashed', state_type = 'CRASHED' WHERE id = 'b'").run();
    expect(seqOf(store, "b")).toBe(4);
    store.db.prepare("INSERT INTO task_runs (id, flow_attempt, task_name, dynamic_key, state_type, state_name, state_ts) VALUES ('c', 1, 't', 't-c', 'PENDING', 'Pending', 1)").run();
    expect(seqOf(store, "c")).toBe(5);
    store.close();
  });
});

describe("a store that stays busy", () => {
  it("says once that writes are failing and once that they work again, not once per retry", async () => {
    const home = tempHome();
    const store = Store.open(home);
    store.db.pragma("busy_timeout = 0");
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
