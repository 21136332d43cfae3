import { beforeEach, describe, expect, it } from "vitest";
import {
  AwaitingRetry, Cached, Cancelled, Cancelling, Completed, Crashed, Failed, Late, NAME_TO_TYPE, Paused, Pending,
  Retrying, Running, Scheduled, TERMINAL, TimedOut, isRerunnable, isTerminal, type State, type StateName, type StateType,
} from "../../src/core/states.js";
import { flow, task } from "../../src/index.js";
import { byKey, freshStore, historyNames } from "./helpers.js";

describe("state constructors", () => {
  const cases: Array<[() => State, StateType, StateName]> = [
    [() => Scheduled(), "SCHEDULED", "Scheduled"],
    [() => Late(), "SCHEDULED", "Late"],
    [() => AwaitingRetry(), "SCHEDULED", "AwaitingRetry"],
    [() => Pending(), "PENDING", "Pending"],
    [() => Running(), "RUNNING", "Running"],
    [() => Retrying(), "RUNNING", "Retrying"],
    [() => Completed(), "COMPLETED", "Completed"],
    [() => Cached(), "COMPLETED", "Cached"],
    [() => Failed(), "FAILED", "Failed"],
    [() => TimedOut(), "FAILED", "TimedOut"],
    [() => Crashed(), "CRASHED", "Crashed"],
    [() => Cancelled(), "CANCELLED", "Cancelled"],
    [() => Cancelling(), "CANCELLING", "Cancelling"],
    [() => Paused(), "PAUSED", "Paused"],
  ];
  it.each(cases)("%s builds a state of the right type and name", (make, type, name) => {
    const s = make();
    expect(s).toMatchObject({ type, name, message: "" });
    expect(typeof s.timestamp).toBe("number");
    expect(NAME_TO_TYPE[name]).toBe(type);
  });

  it("every state name has a constructor case above", () => {
    expect(new Set(cases.map((c) => c[2]))).toEqual(new Set(Object.keys(NAME_TO_TYPE)));
  });

  it("constructors keep the message, and Scheduled/AwaitingRetry take a timestamp", () => {
    expect(Failed("boom").message).toBe("boom");
    expect(AwaitingRetry("later", 1234).timestamp).toBe(1234);
    expect(Scheduled("", 99).timestamp).toBe(99);
  });

  it("TERMINAL holds exactly COMPLETED, FAILED, CANCELLED and CRASHED", () => {
    expect([...TERMINAL].sort()).toEqual(["CANCELLED", "COMPLETED", "CRASHED", "FAILED"]);
    expect(isTerminal(Cached())).toBe(true);
    expect(isTerminal(TimedOut())).toBe(true);
    expect(isTerminal(Cancelling())).toBe(false);
    expect(isTerminal(AwaitingRetry())).toBe(false);
  });

  it("only Failed, Crashed and Cancelled runs are rerunnable", () => {
    expect([Failed(), TimedOut(), Crashed(), Cancelled()].every(isRerunnable)).toBe(true);
    expect([Completed(), Cached(), Running(), Pending(), Cancelling()].some(isRerunnable)).toBe(false);
  });
});

describe("persisted state history", () => {
  beforeEach(() => {
    freshStore();
  });

  it("a completed task run and its flow run go Pending → Running → Completed", async () => {
    const t = task("t", (x: number) => x + 1);
    const f = flow("f", async () => t(1));
    const run = await f.run();
    expect(run.result).toBe(2);
    expect(historyNames("flow", run.id)).toEqual(["Pending", "Running", "Completed"]);
    expect(historyNames("task", byKey(run.taskRuns, "t-0").id)).toEqual(["Pending", "Running", "Completed"]);
  });

  it("a retried task records AwaitingRetry and Retrying between its attempts", async () => {
    let calls = 0;
    const t = task({ name: "flaky", retries: 2 }, () => {
      if (++calls < 3) throw new Error(`fail ${calls}`);
      return "ok";
    });
    const run = await flow("f", async () => t()).run();
    const tr = byKey(run.taskRuns, "flaky-0");
    expect(historyNames("task", tr.id)).toEqual(["Pending", "Running", "AwaitingRetry", "Retrying", "AwaitingRetry", "Retrying", "Completed"]);
    expect(tr.runCount).toBe(3);
  });

  it("a failing task and its flow end Failed with the error message", async () => {
    const t = task("bad", () => {
      throw new Error("no rows");
    });
    const run = await flow("f", async () => t()).run();
    expect(run.state).toMatchObject({ type: "FAILED", name: "Failed" });
    expect(run.state.message).toContain("no rows");
    const tr = byKey(run.taskRuns, "bad-0");
    expect(historyNames("task", tr.id)).toEqual(["Pending", "Running", "Failed"]);
    expect(tr.error?.message).toBe("no rows");
    expect(historyNames("flow", run.id)).toEqual(["Pending", "Running", "Failed"]);
  });

  it("a task over its timeout ends TimedOut (a FAILED type)", async () => {
    const t = task({ name: "slow", timeout: "20ms" }, () => new Promise((r) => setTimeout(r, 2000)));
    const run = await flow("f", async () => t()).run();
    const tr = byKey(run.taskRuns, "slow-0");
    expect(tr.state).toMatchObject({ type: "FAILED", name: "TimedOut" });
    expect(historyNames("task", tr.id)).toEqual(["Pending", "Running", "TimedOut"]);
  });

  it("a rerun's cached task records Pending → Cached", async () => {
    let fail = true;
    const a = task("a", () => ({ v: 1 }));
    const b = task("b", (x: { v: number }) => {
      if (fail) throw new Error("b broke");
      return x.v;
    });
    const f = flow("f", async () => b(await a()));
    const first = await f.run();
    expect(first.state.name).toBe("Failed");
    fail = false;
    const second = await f.run(undefined, { resume: first });
    expect(second.state.name).toBe("Completed");
    const cached = byKey(second.taskRuns, "a-0");
    expect(cached.state.name).toBe("Cached");
    expect(historyNames("task", cached.id)).toEqual(["Pending", "Cached"]);
    // The flow run keeps one history across attempts.
    expect(historyNames("flow", first.id)).toEqual(["Pending", "Running", "Failed", "Pending", "Running", "Completed"]);
  });
});
