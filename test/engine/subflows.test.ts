import { beforeEach, describe, expect, it, vi } from "vitest";
import { CancelledError, configureStore, getEngine } from "../../src/engine/engine.js";
import { flow, task } from "../../src/index.js";
import { byKey, flushed, freshStore } from "./helpers.js";

let home: string;
beforeEach(() => {
  home = freshStore();
});

function parentAndChild() {
  const state = { childBodies: 0, fail: true };
  const double = task("double", (x: number) => x * 2);
  const child = flow("child", async ({ x }: { x: number }) => {
    state.childBodies++;
    return double(x);
  });
  const after = task("after", (y: number) => {
    if (state.fail) throw new Error("after broke");
    return y + 1;
  });
  const parent = flow("parent", async () => after(await child({ x: 4 })));
  return { parent, state };
}

describe("subflows", () => {
  it("a flow called inside a flow creates a child flow run linked both ways", async () => {
    const { parent, state } = parentAndChild();
    state.fail = false;
    const run = await parent.run();
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe(9);
    const stand = byKey(run.taskRuns, "child-0");
    expect(stand.state.name).toBe("Completed");
    expect(stand.subflowRunId).toMatch(/[0-9a-f-]{36}/);
    const childRun = flushed().findFlowRun(stand.subflowRunId!);
    expect(childRun.flowName).toBe("child");
    expect(childRun.parentTaskRunId).toBe(stand.id);
    expect(childRun.state.name).toBe("Completed");
    expect(childRun.parameters).toEqual({ x: 4 });
    // The child's own task runs belong to the child run, not to the parent.
    expect(flushed().getTaskRuns(childRun.id).map((t) => t.dynamicKey)).toEqual(["double-0"]);
    expect(run.taskRuns.map((t) => t.dynamicKey)).toEqual(["child-0", "after-0"]);
  });

  it("on a rerun a completed subflow comes back Cached without running again", async () => {
    const { parent, state } = parentAndChild();
    const first = await parent.run();
    expect(first.state.name).toBe("Failed");
    state.fail = false;
    const second = await parent.run(undefined, { resume: first });
    expect(second.state.name).toBe("Completed");
    expect(second.result).toBe(9);
    expect(state.childBodies).toBe(1);
    const stand = byKey(second.taskRuns, "child-0");
    expect(stand.state.name).toBe("Cached");
    expect(stand.subflowRunId).toBe(byKey(first.taskRuns, "child-0").subflowRunId);
    const childRun = flushed().findFlowRun(stand.subflowRunId!);
    expect(stand.cacheReason).toBe(`cached: from run ${childRun.name} (${childRun.id.slice(0, 8)})`);
  });

  it("a rerun in a new process reuses the subflow's persisted result", async () => {
    const { parent, state } = parentAndChild();
    const first = await parent.run();
    state.fail = false;
    configureStore(home);
    const second = await parent.run(undefined, { resume: first });
    expect(second.result).toBe(9);
    expect(state.childBodies).toBe(1);
  });

  it("a failing subflow fails its task run in the parent and the parent", async () => {
    const child = flow("child", async () => {
      throw new Error("child broke");
    });
    const run = await flow("parent", async () => child()).run();
    expect(run.state.name).toBe("Failed");
    const stand = byKey(run.taskRuns, "child-0");
    expect(stand.state.name).toBe("Failed");
    expect(stand.state.message).toMatch(/^subflow child-\w+-\w+ Failed: child broke$/);
    expect(flushed().findFlowRun(stand.subflowRunId!).state.name).toBe("Failed");
  });

  it("rerunning a parent whose subflow failed reruns the same child run as its next attempt", async () => {
    let fail = true;
    let bodies = 0;
    const child = flow("child", async () => {
      bodies++;
      if (fail) throw new Error("child broke");
      return "ok";
    });
    const parent = flow("parent", async () => child());
    const first = await parent.run();
    const childId = byKey(first.taskRuns, "child-0").subflowRunId!;
    fail = false;
    const second = await parent.run(undefined, { resume: first });
    expect(second.result).toBe("ok");
    expect(bodies).toBe(2);
    expect(byKey(second.taskRuns, "child-0").subflowRunId).toBe(childId);
    expect(flushed().findFlowRun(childId)).toMatchObject({ attempt: 2, state: { name: "Completed" } });
  });

  // A number is held in its own ref (in the task run's row), an object in the results table: both can be damaged.
  const corruptions: Array<{ where: string; wrap: (n: number) => unknown; corrupt: (taskRunId: string, ref: string) => void }> = [
    { where: "in the results table", wrap: (n) => ({ n }), corrupt: (_id, ref) => void flushed().db.prepare("UPDATE results SET bytes = ? WHERE ref = ?").run(Buffer.from("garbage"), ref) },
    { where: "held in its ref", wrap: (n) => n, corrupt: (id) => void flushed().db.prepare("UPDATE task_runs SET result_ref = '=garbage' WHERE id = ?").run(id) },
  ];
  it.each(corruptions)("a corrupt persisted subflow result ($where) on rerun runs the subflow again instead of failing", async ({ wrap, corrupt }) => {
    const state = { childBodies: 0, fail: true };
    const child = flow("child", async () => {
      state.childBodies++;
      return wrap(8);
    });
    const after = task("after", (y: unknown) => {
      if (state.fail) throw new Error("after broke");
      return y;
    });
    const parent = flow("parent", async () => after(await child()));
    const first = await parent.run();
    const stand1 = byKey(first.taskRuns, "child-0");
    corrupt(stand1.id, flushed().getTaskRunRow(stand1.id)!.result_ref!);
    state.fail = false;
    configureStore(home);
    const second = await parent.run(undefined, { resume: first });
    expect(second.state.name).toBe("Completed");
    expect(second.result).toEqual(wrap(8));
    expect(state.childBodies).toBe(2);
    const stand = byKey(second.taskRuns, "child-0");
    expect(stand.state.name).toBe("Completed");
    expect(stand.cacheReason).toMatch(/unreadable/);
  });
});

describe("subflow cancellation", () => {
  it("cancelling the parent flow run cancels its running subflow and the subflow's tasks", async () => {
    const wait = task("wait", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return 1;
    });
    const child = flow("child-cancel", async () => wait());
    const parent = flow("parent-cancel", async () => {
      const parentId = [...getEngine().live.keys()][0];
      setTimeout(() => getEngine().live.get(parentId)!.controller.abort(new CancelledError("stop parent")), 50);
      return child({});
    });
    const run = await parent.run();
    expect(run.state.name).toBe("Cancelled");
    const stand = run.taskRuns.find((t) => t.taskName === "child-cancel")!;
    expect(stand.state.name).toBe("Cancelled");
    const childRun = getEngine().store.findFlowRun(stand.subflowRunId!);
    expect(childRun.state.name).toBe("Cancelled");
    expect(getEngine().store.getTaskRuns(childRun.id).map((t) => t.state.name)).toEqual(["Cancelled"]);
  });
});

describe("nested DAGs", () => {
  it("a subflow's task runs are nested under its task run in getRunGraph, live while they run and from the store after", async () => {
    const { getRunGraph } = await import("../../src/engine/graph.js");
    const { renderDag } = await import("../../src/display/dag.js");
    const { flowRunJson } = await import("../../src/cli/output.js");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: { parentId?: string } = {};
    let liveGraph: ReturnType<typeof getRunGraph> | undefined;
    const extract = task("extract", () => [1, 2]);
    const load = task("load", async (rows: number[]) => {
      liveGraph = getRunGraph(seen.parentId!);
      await gate;
      return rows.length;
    });
    const etl = flow("etl", async () => load(await extract()));
    const outer = flow("outer", async () => {
      seen.parentId = getEngine().live.values().next().value?.record.id;
      return etl();
    });
    const running = outer.run();
    await vi.waitFor(() => expect(liveGraph).toBeDefined());
    const stand = liveGraph!.taskRuns.find((t) => t.taskName === "etl")!;
    expect(stand.state.name).toBe("Running");
    const nested = liveGraph!.subflows?.[stand.id];
    expect(nested?.flowRun.flowName).toBe("etl");
    expect(nested?.taskRuns.map((t) => [t.taskName, t.state.name])).toEqual([["extract", "Completed"], ["load", "Running"]]);
    release();
    const run = await running;
    expect(run.state.name).toBe("Completed");

    const stored = getRunGraph(run.id);
    const child = stored.subflows?.[stored.taskRuns[0].id];
    expect(child?.taskRuns.map((t) => [t.taskName, t.state.name])).toEqual([["extract", "Completed"], ["load", "Completed"]]);
    const text = renderDag(stored)["text/plain"];
    expect(text).toMatch(/1 ✓ etl\s+Completed/);
    expect(text).toMatch(/1 ✓ └ extract\s+Completed/);
    expect(text).toMatch(/2 ✓ └ load\s+Completed/);
    const json = flowRunJson(stored.flowRun, stored.taskRuns, undefined, stored.subflows) as { taskRuns: { name: string; taskRuns?: { name: string }[] }[] };
    expect(json.taskRuns[0].name).toBe("etl");
    expect(json.taskRuns[0].taskRuns?.map((t) => t.name)).toEqual(["extract", "load"]);
  });
});
