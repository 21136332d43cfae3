import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { Running, Cancelled } from "../../src/core/states.js";
import type { FlowRunRecord } from "../../src/core/records.js";
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
