import { beforeEach, describe, expect, it } from "vitest";
import { CellflowError, flow, task, type TaskFuture } from "../../src/index.js";
import type { TaskOptions, FlowOptions } from "../../src/index.js";
import { byKey, flushed, freshStore } from "./helpers.js";

beforeEach(() => {
  freshStore();
});

function thrown(fn: () => unknown): CellflowError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CellflowError);
    return error as CellflowError;
  }
  throw new Error("expected a CellflowError, nothing was thrown");
}

describe("bad task and flow options are refused at definition", () => {
  const taskCases: Array<{ options: TaskOptions; code: string; message: string }> = [
    { options: { timeout: "10 parsecs" }, code: "BAD_DURATION", message: `task 't' timeout "10 parsecs" is not a duration` },
    { options: { timeout: -1 }, code: "BAD_DURATION", message: "task 't' timeout must be a non-negative number of seconds, got -1" },
    { options: { cacheExpiration: "1 day" }, code: "BAD_DURATION", message: `task 't' cacheExpiration "1 day" is not a duration` },
    { options: { cacheExpiration: "5x" }, code: "BAD_DURATION", message: `task 't' cacheExpiration "5x" is not a duration` },
    { options: { cachePolicy: "input" as never }, code: "BAD_OPTION", message: "task 't': unknown cachePolicy 'input' — use one of inputs, source, inputs+source, none" },
    { options: { retries: -1 }, code: "BAD_OPTION", message: "task 't': retries must be a whole number ≥ 0, got -1 — e.g. retries: 3" },
    { options: { retries: 1.5 }, code: "BAD_OPTION", message: "task 't': retries must be a whole number ≥ 0, got 1.5" },
    { options: { retryDelay: [1, -5] }, code: "BAD_OPTION", message: "task 't': retryDelay must be seconds ≥ 0, a list of them, or a function, got [1,-5]" },
    { options: { retryDelay: [] }, code: "BAD_OPTION", message: "task 't': retryDelay must be seconds ≥ 0" },
    { options: { retryJitter: -0.5 }, code: "BAD_OPTION", message: "task 't': retryJitter must be a number ≥ 0, got -0.5" },
  ];
  it.each(taskCases)("task option $options → $code", ({ options, code, message }) => {
    const error = thrown(() => task({ name: "t", ...options }, () => 1));
    expect(error.code).toBe(code);
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.hint.length).toBeGreaterThan(0);
  });

  it("t.with() checks its options too", () => {
    const t = task("t", () => 1);
    expect(thrown(() => t.with({ timeout: "soon" })).code).toBe("BAD_DURATION");
  });

  const flowCases: Array<{ options: FlowOptions; code: string; message: string }> = [
    { options: { timeout: "forever" }, code: "BAD_DURATION", message: `flow 'f' timeout "forever" is not a duration` },
    { options: { retries: -2 }, code: "BAD_OPTION", message: "flow 'f': retries must be a whole number ≥ 0, got -2" },
    { options: { concurrency: 0 }, code: "BAD_OPTION", message: "flow 'f': concurrency must be a whole number ≥ 1, got 0" },
  ];
  it.each(flowCases)("flow option $options → $code", ({ options, code, message }) => {
    const error = thrown(() => flow({ name: "f", ...options }, async () => 1));
    expect(error.code).toBe(code);
    expect(error.message.startsWith(message)).toBe(true);
  });

  it("task() and flow() without a function say how to write them", () => {
    expect(thrown(() => task("t", undefined as never)).message).toBe(`task("t") needs a function as its second argument — write task("name", (x) => ...)`);
    expect(thrown(() => flow("f", 3 as never)).message).toMatch(/^flow\("f"\) needs a function as its second argument/);
  });
});

describe("a waitFor cycle", () => {
  it("a task waiting on the future of the task it runs inside fails with WAITFOR_CYCLE", async () => {
    const inner = task("inner", () => "never");
    const holder: { outer?: TaskFuture<unknown> } = {};
    const outer = task("outer", async () => inner.with({ waitFor: [holder.outer] })());
    const run = await flow("f", async () => {
      holder.outer = outer.submit();
      return holder.outer;
    }).run();
    expect(run.state.name).toBe("Failed");
    const error = (run as unknown as { error: CellflowError }).error;
    expect(error).toBeInstanceOf(CellflowError);
    expect(error.code).toBe("WAITFOR_CYCLE");
    expect(error.message).toBe("waitFor cycle: task inner-0 waits for outer-0, which cannot finish before inner-0 does — remove outer-0 from the waitFor list of 'inner'");
    expect(byKey(run.taskRuns, "outer-0").state.name).toBe("Failed");
  });

  it("the task run refused for a cycle ends Failed, not left Pending", async () => {
    const inner = task("inner", () => "never");
    const holder: { outer?: TaskFuture<unknown> } = {};
    const outer = task("outer", async () => inner.with({ waitFor: [holder.outer] })());
    const run = await flow("f", async () => {
      holder.outer = outer.submit();
      return holder.outer;
    }).run();
    const innerRun = byKey(run.taskRuns, "inner-0");
    expect(innerRun.state.name).toBe("Failed");
    expect(innerRun.state.message).toMatch(/^CellflowError: waitFor cycle: task inner-0 waits for outer-0/);
    expect(flushed().getTaskRuns(run.id).filter((t) => t.state.type === "PENDING")).toEqual([]);
  });
});
