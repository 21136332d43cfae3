import { afterEach, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { Pending, Running } from "../../src/core/states.js";
import type { FlowRunRecord } from "../../src/core/records.js";
import { decodeHistory, encodeHistory, stateNamed, transitionRuns } from "../../src/store/run-state.js";
import { tempHome } from "../engine/helpers.js";

let store: Store;
afterEach(() => store?.close());

function saveRun(id: string, history = [Pending("queued")], owner: string | null = "host:1:1"): FlowRunRecord {
  const run: FlowRunRecord = { id, flowName: "f", name: "f-run", state: history[history.length - 1] ?? Running(), parameters: {}, attempt: 1, startTime: 1, endTime: null, createdAt: 1, entrypoint: null, parentTaskRunId: null, deploymentId: null, tags: [] };
  store.saveFlowRun(run, { history, resultRef: null, owner, heartbeat: 1 });
  store.flush();
  return run;
}

describe("run-state: the one way a run's state is written", () => {
  it("encodeHistory and decodeHistory round-trip names, times and messages (quotes, newlines, non-ASCII), the type following the name", () => {
    const history = [stateNamed("Scheduled", "", 1), stateNamed("Late", 'said "late"\nthen é ☃', 2), stateNamed("TimedOut", "after 5s", 3)];
    expect(encodeHistory(history)).toBe('[["Scheduled",1],["Late",2,"said \\"late\\"\\nthen é ☃"],["TimedOut",3,"after 5s"]]');
    expect(decodeHistory(encodeHistory(history))).toEqual(history);
    expect(decodeHistory(encodeHistory(history)).map((s) => s.type)).toEqual(["SCHEDULED", "SCHEDULED", "FAILED"]);
  });

  it("transitionRuns appends to the stored history, pairs the name with its type and sets end_time only for a terminal state", () => {
    store = Store.open(tempHome());
    saveRun("run-1", [Pending("queued"), Running()]);
    const late = stateNamed("Cancelling", "asked to stop", 1000);
    expect(transitionRuns(store.db, "flow_runs", { state: late, where: "id = ?", args: ["run-1"] })).toBe(1);
    let row = store.getFlowRunRow("run-1")!;
    expect([row.state_type, row.state_name, row.state_message, row.state_ts, row.end_time]).toEqual(["CANCELLING", "Cancelling", "asked to stop", 1000, null]);
    const crashed = stateNamed("Crashed", "its process is gone", 2000);
    transitionRuns(store.db, "flow_runs", { state: crashed, where: "id = ?", args: ["run-1"] });
    row = store.getFlowRunRow("run-1")!;
    expect(row.end_time).toBe(2000);
    expect(store.getHistory("flow", "run-1").map((s) => s.name)).toEqual(["Pending", "Running", "Cancelling", "Crashed"]);
    expect(store.getHistory("flow", "run-1").slice(-1)[0]).toEqual(crashed);
  });

  it("transitionRuns on an empty history starts it; a guard that matches nothing moves nothing", () => {
    store = Store.open(tempHome());
    saveRun("run-2", []);
    const failed = stateNamed("Failed", "", 5);
    expect(transitionRuns(store.db, "flow_runs", { state: failed, where: "id = ? AND state_type = 'PENDING'", args: ["run-2"] })).toBe(0);
    expect(transitionRuns(store.db, "flow_runs", { state: failed, where: "id = ?", args: ["run-2"] })).toBe(1);
    expect(store.getHistory("flow", "run-2")).toEqual([failed]);
  });

  it("extra columns are written with the state, and an end_time given there replaces the terminal rule", () => {
    store = Store.open(tempHome());
    saveRun("run-3", [stateNamed("Failed", "boom", 3)]);
    transitionRuns(store.db, "flow_runs", { state: stateNamed("Pending", "again", 9), where: "id = ?", args: ["run-3"], set: { attempt: 2, end_time: null, owner: "other:2:2" } });
    const row = store.getFlowRunRow("run-3")!;
    expect([row.attempt, row.end_time, row.owner, row.state_name]).toEqual([2, null, "other:2:2", "Pending"]);
  });

  it("setFlowRunState takes a state name and writes its type: Cancelled ends the run", () => {
    store = Store.open(tempHome());
    saveRun("run-4", [Running()]);
    store.setFlowRunState("run-4", "Cancelled", "cancelled by request");
    const run = store.findFlowRun("run-4");
    expect(run.state).toMatchObject({ type: "CANCELLED", name: "Cancelled", message: "cancelled by request" });
    expect(run.endTime).toBe(run.state.timestamp);
  });

  it("claimNextAttempt is a compare-and-set on the attempt: the second claim of the same attempt is refused", () => {
    store = Store.open(tempHome());
    saveRun("run-5", [stateNamed("Failed", "boom", 3)], null);
    const state = store.claimNextAttempt("run-5", 1, "rerun");
    expect(state).toMatchObject({ type: "PENDING", name: "Pending", message: "rerun" });
    expect(store.getFlowRunRow("run-5")!.attempt).toBe(2);
    expect(() => store.claimNextAttempt("run-5", 1, "rerun")).toThrow(/already claimed|RUN_CLAIMED/);
  });
});
