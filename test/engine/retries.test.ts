import { beforeEach, describe, expect, it } from "vitest";
import { retryDelayMs, type RetryDelay } from "../../src/engine/options.js";
import { getRunContext } from "../../src/engine/context.js";
import { flow, task } from "../../src/index.js";
import { allTaskRuns, byKey, freshStore, flushed, historyNames } from "./helpers.js";

describe("retryDelayMs()", () => {
  const cases: Array<{ delay: RetryDelay | undefined; attempt: number; ms: number }> = [
    { delay: undefined, attempt: 1, ms: 0 },
    { delay: 2, attempt: 1, ms: 2000 },
    { delay: 2, attempt: 5, ms: 2000 },
    { delay: [1, 5, 30], attempt: 1, ms: 1000 },
    { delay: [1, 5, 30], attempt: 2, ms: 5000 },
    { delay: [1, 5, 30], attempt: 3, ms: 30000 },
    { delay: [1, 5, 30], attempt: 4, ms: 30000 },
    { delay: [1, 5, 30], attempt: 10, ms: 30000 },
    { delay: (n: number) => n * n, attempt: 3, ms: 9000 },
    { delay: () => -4, attempt: 1, ms: 0 },
    { delay: () => Number.NaN, attempt: 1, ms: 0 },
  ];
  it.each(cases)("delay $delay for attempt $attempt is $ms ms", ({ delay, attempt, ms }) => {
    expect(retryDelayMs(delay, attempt)).toBe(ms);
  });

  it.each([
    { random: 0, ms: 5000 },
    { random: 0.5, ms: 10000 },
    { random: 1, ms: 15000 },
  ])("jitter 0.5 on 10 s with random() = $random gives $ms ms (the bounds are ±50%)", ({ random, ms }) => {
    expect(retryDelayMs(10, 1, 0.5, () => random)).toBeCloseTo(ms, 6);
  });

  it("jitter larger than 1 never makes a negative delay", () => {
    expect(retryDelayMs(10, 1, 3, () => 0)).toBe(0);
  });

  it("jitter draws from the random function on every call", () => {
    const draws = [0.1, 0.9];
    const seen = draws.map((d) => retryDelayMs(1, 1, 0.2, () => d));
    expect(seen[0]).toBeCloseTo(840, 6);
    expect(seen[1]).toBeCloseTo(1160, 6);
  });
});

describe("task retries", () => {
  beforeEach(() => {
    freshStore();
  });

  it("retries: 2 runs the body up to three times and completes on the third", async () => {
    let calls = 0;
    const t = task({ name: "flaky", retries: 2 }, () => {
      calls++;
      if (calls < 3) throw new Error("not yet");
      return calls;
    });
    const run = await flow("f", async () => t()).run();
    expect(run.result).toBe(3);
    expect(calls).toBe(3);
    expect(byKey(run.taskRuns, "flaky-0").runCount).toBe(3);
  });

  it("a task that keeps failing ends Failed after retries + 1 runs", async () => {
    let calls = 0;
    const t = task({ name: "down", retries: 2 }, () => {
      calls++;
      throw new Error(`down ${calls}`);
    });
    const run = await flow("f", async () => t()).run();
    expect(calls).toBe(3);
    const tr = byKey(run.taskRuns, "down-0");
    expect(tr.state.name).toBe("Failed");
    expect(tr.state.message).toContain("down 3");
    expect(tr.runCount).toBe(3);
  });

  it("the AwaitingRetry message says which retry, the delay and the error", async () => {
    let calls = 0;
    const t = task({ name: "flaky", retries: 1, retryDelay: 0 }, () => {
      if (++calls === 1) throw new Error("503 from server");
      return 1;
    });
    const run = await flow("f", async () => t()).run();
    const waits = flushed().getHistory("task", byKey(run.taskRuns, "flaky-0").id).filter((s) => s.name === "AwaitingRetry");
    expect(waits).toHaveLength(1);
    expect(waits[0].message).toBe("retry 1 of 1 in 0.00s after: 503 from server");
  });

  it("runCount inside the body counts the attempts", async () => {
    const seen: number[] = [];
    const t = task({ name: "flaky", retries: 3 }, () => {
      const count = getRunContext().taskRun!.runCount;
      seen.push(count);
      if (count < 3) throw new Error("again");
      return count;
    });
    await flow("f", async () => t()).run();
    expect(seen).toEqual([1, 2, 3]);
  });

  it("a retryDelay function is called with each 1-based retry number", async () => {
    const asked: number[] = [];
    let calls = 0;
    const t = task({ name: "flaky", retries: 3, retryDelay: (n: number) => (asked.push(n), 0) }, () => {
      if (++calls < 4) throw new Error("again");
      return calls;
    });
    await flow("f", async () => t()).run();
    expect(asked).toEqual([1, 2, 3]);
  });

  it("retryCondition returning false stops retrying at once", async () => {
    let calls = 0;
    const asked: Array<[string, number]> = [];
    const t = task(
      {
        name: "picky",
        retries: 5,
        retryCondition: (error, attempt) => {
          asked.push([(error as Error).message, attempt]);
          return (error as Error).message !== "fatal";
        },
      },
      () => {
        calls++;
        throw new Error(calls === 1 ? "transient" : "fatal");
      },
    );
    const run = await flow("f", async () => t()).run();
    expect(calls).toBe(2);
    expect(asked).toEqual([["transient", 1], ["fatal", 2]]);
    const tr = byKey(run.taskRuns, "picky-0");
    expect(tr.state.name).toBe("Failed");
    expect(historyNames("task", tr.id)).toEqual(["Pending", "Running", "AwaitingRetry", "Retrying", "Failed"]);
  });
});

describe("user callbacks that throw", () => {
  beforeEach(() => {
    freshStore();
  });

  it("a retryCondition that throws is logged; the task keeps its own error and its onFailure hooks run", async () => {
    let calls = 0;
    const failures: string[] = [];
    const t = task(
      {
        name: "guarded",
        retries: 3,
        retryCondition: () => {
          throw new Error("condition blew up");
        },
        onFailure: [(record, state) => void failures.push(`${record.dynamicKey} ${state.name}: ${state.message}`)],
      },
      () => {
        calls++;
        throw new Error("the task's own error");
      },
    );
    const run = await flow("f", async () => t()).run();
    expect(run.state.name).toBe("Failed");
    expect(calls).toBe(1);
    const tr = byKey(run.taskRuns, "guarded-0");
    expect(tr.state.name).toBe("Failed");
    expect(tr.state.message).toBe("the task's own error");
    expect(tr.error?.message).toBe("the task's own error");
    expect(failures).toEqual(["guarded-0 Failed: the task's own error"]);
    const logs = flushed().getLogs(run.id).map((l) => l.message);
    expect(logs.some((m) => m.startsWith("retryCondition of guarded-0 threw, so it is not retried: condition blew up"))).toBe(true);
    expect(historyNames("task", tr.id)).toEqual(["Pending", "Running", "Failed"]);
  });

  it("a cacheKey function that throws is logged; the task runs, uncached", async () => {
    let calls = 0;
    const t = task(
      {
        name: "keyed",
        cacheKey: () => {
          throw new Error("no key today");
        },
      },
      () => ++calls,
    );
    const f = flow("f", async () => t());
    const first = await f.run();
    const second = await f.run();
    expect([first.state.name, second.state.name]).toEqual(["Completed", "Completed"]);
    expect(calls).toBe(2);
    const tr = byKey(second.taskRuns, "keyed-0");
    expect(tr.cacheKey).toBeNull();
    expect(tr.cacheReason).toBe("executed: cacheKey returned null");
    expect(flushed().getLogs(second.id).some((l) => l.message === "cacheKey of keyed-0 threw, so this call is not cached: no key today")).toBe(true);
  });
});

describe("flow retries", () => {
  beforeEach(() => {
    freshStore();
  });

  it("re-run the body; tasks completed before the failure come back Cached", async () => {
    const runs = { extract: 0, load: 0 };
    const extract = task("extract", () => (runs.extract++, { rows: [1, 2, 3] }));
    const load = task("load", (data: { rows: number[] }) => {
      runs.load++;
      if (runs.load === 1) throw new Error("db locked");
      return data.rows.length;
    });
    const f = flow({ name: "etl", retries: 1 }, async () => load(await extract()));
    const run = await f.run();
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe(3);
    expect(runs).toEqual({ extract: 1, load: 2 });
    expect(run.attempt).toBe(2);
    expect(run.taskRuns.map((t) => [t.dynamicKey, t.state.name])).toEqual([
      ["extract-0", "Cached"],
      ["load-0", "Completed"],
    ]);
    expect(byKey(run.taskRuns, "load-0").cacheReason).toBe("executed: previous attempt Failed");
    expect(historyNames("flow", run.id)).toEqual(["Pending", "Running", "AwaitingRetry", "Running", "Completed"]);
    expect(allTaskRuns(run.id).map((t) => `${t.flowAttempt}:${t.dynamicKey}:${t.state.name}`)).toEqual([
      "1:extract-0:Completed",
      "1:load-0:Failed",
      "2:extract-0:Cached",
      "2:load-0:Completed",
    ]);
  });

  it("a flow that keeps failing ends Failed after retries + 1 bodies", async () => {
    let bodies = 0;
    const f = flow({ name: "f", retries: 2 }, async () => {
      bodies++;
      throw new Error("always");
    });
    const run = await f.run();
    expect(bodies).toBe(3);
    expect(run.state.name).toBe("Failed");
    expect(historyNames("flow", run.id).filter((n) => n === "AwaitingRetry")).toHaveLength(2);
  });

  it("a rerun from failure gets the flow's retries again", async () => {
    let bodies = 0;
    let failUntil = 2;
    const f = flow({ name: "f", retries: 1 }, async () => {
      bodies++;
      if (bodies <= failUntil) throw new Error(`body ${bodies}`);
      return bodies;
    });
    const first = await f.run();
    expect(first.state.name).toBe("Failed");
    expect(bodies).toBe(2);
    failUntil = 3;
    const rerun = await f.run(undefined, { resume: first });
    expect(bodies).toBe(4);
    expect(rerun.state.name).toBe("Completed");
    expect(rerun.result).toBe(4);
  });
});
