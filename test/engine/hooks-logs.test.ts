import { beforeEach, describe, expect, it } from "vitest";
import type { FlowRunRecord, State, TaskRunRecord } from "../../src/index.js";
import { flow, getRunLogger, task } from "../../src/index.js";
import { byKey, flushed, freshStore } from "./helpers.js";

beforeEach(() => {
  freshStore();
});

describe("task hooks", () => {
  it("onCompletion runs once with the record and its Completed state", async () => {
    const calls: Array<[string, string, string]> = [];
    const t = task({ name: "t", onCompletion: [(r: TaskRunRecord, s: State) => void calls.push([r.dynamicKey, r.state.name, s.name])] }, () => 1);
    await flow("f", async () => t()).run();
    expect(calls).toEqual([["t-0", "Completed", "Completed"]]);
  });

  it("onFailure runs once, after the last retry, with the Failed state", async () => {
    const calls: Array<[number, string, string]> = [];
    const completions: string[] = [];
    const t = task(
      {
        name: "t",
        retries: 2,
        onFailure: [(r, s) => void calls.push([r.runCount, s.name, s.message])],
        onCompletion: [(r) => void completions.push(r.dynamicKey)],
      },
      () => {
        throw new Error("bad");
      },
    );
    await flow("f", async () => t()).run();
    expect(calls).toEqual([[3, "Failed", "bad"]]);
    expect(completions).toEqual([]);
  });

  it("onFailure runs for a TimedOut task too", async () => {
    const names: string[] = [];
    const t = task({ name: "t", timeout: "20ms", onFailure: [(_r, s) => void names.push(s.name)] }, () => new Promise(() => {}));
    await flow("f", async () => t()).run();
    expect(names).toEqual(["TimedOut"]);
  });

  it("a throwing hook is logged and does not change the task's state", async () => {
    let second = 0;
    const t = task(
      {
        name: "t",
        onCompletion: [
          () => {
            throw new Error("hook broke");
          },
          () => void second++,
        ],
      },
      () => 5,
    );
    const run = await flow("f", async () => t()).run();
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe(5);
    expect(byKey(run.taskRuns, "t-0").state.name).toBe("Completed");
    expect(second).toBe(1);
    const log = flushed().getLogs(run.id).find((l) => l.level === "error");
    expect(log?.message).toBe("hook of t-0 failed: hook broke");
    expect(log?.taskRunId).toBe(byKey(run.taskRuns, "t-0").id);
  });
});

describe("flow hooks", () => {
  it("onCompletion runs once with the flow run record", async () => {
    const calls: Array<[string, string]> = [];
    const f = flow({ name: "f", onCompletion: [(r: FlowRunRecord, s: State) => void calls.push([r.flowName, s.name])] }, async () => 1);
    const run = await f.run();
    expect(calls).toEqual([["f", "Completed"]]);
    expect(run.state.name).toBe("Completed");
  });

  it("onFailure runs once, after the flow's retries, and onCompletion not at all", async () => {
    const failures: string[] = [];
    const completions: string[] = [];
    const f = flow(
      { name: "f", retries: 1, onFailure: [(_r, s) => void failures.push(s.message)], onCompletion: [() => void completions.push("x")] },
      async () => {
        throw new Error("flow broke");
      },
    );
    await f.run();
    expect(failures).toEqual(["flow broke"]);
    expect(completions).toEqual([]);
  });

  it("a throwing flow hook is logged and does not change the flow's state", async () => {
    const f = flow(
      {
        name: "f",
        onCompletion: [
          () => {
            throw new Error("notify failed");
          },
        ],
      },
      async () => 1,
    );
    const run = await f.run();
    expect(run.state.name).toBe("Completed");
    expect(flushed().findFlowRun(run.id).state.name).toBe("Completed");
    expect(flushed().getLogs(run.id).map((l) => l.message)).toContain(`hook of flow run ${run.name} failed: notify failed`);
  });
});

describe("run logs", () => {
  it("getRunLogger() lines land in the run's logs with their task run and level", async () => {
    const t = task("t", (n: number) => {
      getRunLogger().info("fetched %d rows", n);
      getRunLogger().warn("slow source");
      return n;
    });
    const f = flow("f", async () => {
      getRunLogger().debug("flow starts");
      await t(3);
      getRunLogger().error("flow says %s", "bye");
    });
    const run = await f.run();
    const taskId = byKey(run.taskRuns, "t-0").id;
    const logs = flushed()
      .getLogs(run.id)
      .map((l) => [l.level, l.message, l.taskRunId]);
    expect(logs).toEqual([
      ["debug", "flow starts", null],
      ["info", "fetched 3 rows", taskId],
      ["warning", "slow source", taskId],
      ["error", "flow says bye", null],
    ]);
  });

  it("logPrints: true captures console.* inside the task into its logs; other tasks' prints are not captured", async () => {
    const loud = task({ name: "loud", logPrints: true }, () => {
      console.log("hello %s", "world");
      console.warn("careful");
      return 1;
    });
    const quiet = task("quiet", () => {
      console.log("not captured");
      return 2;
    });
    const run = await flow("f", async () => [await loud(), await quiet()]).run();
    const logs = flushed().getLogs(run.id);
    const loudId = byKey(run.taskRuns, "loud-0").id;
    expect(logs.filter((l) => l.taskRunId === loudId).map((l) => [l.level, l.message])).toEqual([
      ["info", "hello world"],
      ["warning", "careful"],
    ]);
    expect(logs.some((l) => l.message === "not captured")).toBe(false);
  });

  it("a flow's logPrints applies to its body and its tasks", async () => {
    const t = task("t", () => console.log("from task"));
    const run = await flow({ name: "f", logPrints: true }, async () => {
      console.info("from flow");
      await t();
    }).run();
    const logs = flushed().getLogs(run.id);
    expect(logs.map((l) => [l.message, l.taskRunId])).toEqual([
      ["from flow", null],
      ["from task", byKey(run.taskRuns, "t-0").id],
    ]);
  });

  it("a retried task's failures are logged as warnings with the retry", async () => {
    let calls = 0;
    const t = task({ name: "t", retries: 1 }, () => {
      if (++calls === 1) throw new Error("flaky");
      return 1;
    });
    const run = await flow("f", async () => t()).run();
    expect(flushed().getLogs(run.id).map((l) => [l.level, l.message])).toContainEqual(["warning", "t-0 failed, retry 1 of 1 in 0.00s after: flaky"]);
  });
});
