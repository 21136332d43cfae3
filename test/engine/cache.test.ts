import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureStore } from "../../src/engine/engine.js";
import type { CachePolicy } from "../../src/engine/options.js";
import { flow, task, type FlowRun } from "../../src/index.js";
import { byKey, flushed, freshStore } from "./helpers.js";

let home: string;
beforeEach(() => {
  home = freshStore();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A flow whose one task "step" comes in two source versions; counts the bodies that ran. */
function stepFlow(options: { cachePolicy?: CachePolicy; cacheExpiration?: string; refreshCache?: boolean } = {}) {
  const calls = { n: 0 };
  const v1 = task({ name: "step", ...options }, (rows: number[]) => {
    calls.n++;
    return { total: rows.reduce((a, b) => a + b, 0) };
  });
  const v2 = task({ name: "step", ...options }, (rows: number[]) => {
    calls.n++;
    return { total: rows.reduce((a, b) => a + b, 0), v: 2 };
  });
  const f = flow("steps", async ({ rows, version }: { rows: number[]; version: 1 | 2 }) => (version === 1 ? v1 : v2)(rows));
  return { f, calls };
}

function step(run: FlowRun) {
  return byKey(run.taskRuns, "step-0");
}

describe("cache policies across two runs", () => {
  type Change = "nothing" | "input" | "source";
  const cases: Array<{ policy: CachePolicy | undefined; change: Change; cached: boolean }> = [
    { policy: undefined, change: "nothing", cached: false },
    { policy: "inputs", change: "nothing", cached: true },
    { policy: "inputs", change: "input", cached: false },
    { policy: "inputs", change: "source", cached: true },
    { policy: "source", change: "nothing", cached: true },
    { policy: "source", change: "input", cached: true },
    { policy: "source", change: "source", cached: false },
    { policy: "inputs+source", change: "nothing", cached: true },
    { policy: "inputs+source", change: "input", cached: false },
    { policy: "inputs+source", change: "source", cached: false },
    { policy: "none", change: "nothing", cached: false },
  ];
  it.each(cases)("policy $policy, changing $change between runs → cached: $cached", async ({ policy, change, cached }) => {
    const { f, calls } = stepFlow(policy ? { cachePolicy: policy } : {});
    const first = await f.run({ rows: [1, 2], version: 1 });
    expect(step(first).state.name).toBe("Completed");
    const second = await f.run({ rows: change === "input" ? [1, 2, 3] : [1, 2], version: change === "source" ? 2 : 1 });
    expect(second.state.name).toBe("Completed");
    expect(step(second).state.name).toBe(cached ? "Cached" : "Completed");
    expect(calls.n).toBe(cached ? 1 : 2);
    if (cached) {
      expect(step(second).cachedFrom).toBe(step(first).id);
      expect(step(second).cacheReason).toBe(`cached: from run ${first.name} (${first.id.slice(0, 8)})`);
      expect(second.result).toEqual(first.result);
    }
  });

  it("a cross-run cache hit also works from a new process (results read from the store)", async () => {
    const { f, calls } = stepFlow({ cachePolicy: "inputs" });
    const first = await f.run({ rows: [4], version: 1 });
    configureStore(home); // drops the in-memory cache, as a new process would have none
    const second = await f.run({ rows: [4], version: 1 });
    expect(step(second).state.name).toBe("Cached");
    expect(second.result).toEqual({ total: 4 });
    expect(step(second).cachedFrom).toBe(step(first).id);
    expect(calls.n).toBe(1);
  });

  it("a task called outside any flow is not cached by default, and is with an explicit policy", async () => {
    let calls = 0;
    const plain = task("plain", (x: number) => (calls++, x));
    await plain(1);
    await plain(1);
    expect(calls).toBe(2);
    const cachedTask = task({ name: "explicit", cachePolicy: "inputs" }, (x: number) => (calls++, x));
    await cachedTask(1);
    await cachedTask(1);
    expect(calls).toBe(3);
  });
});

describe("rerun from failure and cache reasons", () => {
  /** A flow: step(rows) then a task that fails while `state.fail` is set. */
  function rerunFlow(options: { cachePolicy?: CachePolicy; cacheExpiration?: string } = {}) {
    const state = { fail: true, rows: [1, 2], version: 1, calls: 0 };
    const v1 = task({ name: "step", ...options }, (rows: number[]) => (state.calls++, { n: rows.length }));
    const v2 = task({ name: "step", ...options }, (rows: number[]) => (state.calls++, { n: rows.length, v: 2 }));
    const last = task("last", (x: { n: number }) => {
      if (state.fail) throw new Error("last broke");
      return x.n;
    });
    const f = flow("rerun", async () => last(await (state.version === 1 ? v1 : v2)(state.rows)));
    return { f, state };
  }

  const cases: Array<{ what: string; change: (s: { rows: number[]; version: number }) => void; stepState: string; reason: RegExp; calls: number }> = [
    { what: "nothing changed", change: () => {}, stepState: "Cached", reason: /^cached: from run rerun-[a-z]+-[a-z]+ \([0-9a-f]{8}\)$/, calls: 1 },
    { what: "an input changed", change: (s) => (s.rows = [9]), stepState: "Completed", reason: /^executed: input `rows` changed$/, calls: 2 },
    { what: "the source changed", change: (s) => (s.version = 2), stepState: "Completed", reason: /^executed: source changed$/, calls: 2 },
  ];
  it.each(cases)("rerun after $what: step is $stepState, reason matches $reason", async ({ change, stepState, reason, calls }) => {
    const { f, state } = rerunFlow();
    const first = await f.run();
    expect(first.state.name).toBe("Failed");
    expect(step(first).cacheReason).toBe("executed: no earlier run");
    expect(byKey(first.taskRuns, "last-0").cacheReason).toBe("executed: no earlier run");
    state.fail = false;
    change(state);
    const second = await f.run(undefined, { resume: first });
    expect(second.id).toBe(first.id);
    expect(second.attempt).toBe(2);
    expect(second.state.name).toBe("Completed");
    expect(step(second).state.name).toBe(stepState);
    expect(step(second).cacheReason).toMatch(reason);
    expect(byKey(second.taskRuns, "last-0").cacheReason).toBe("executed: previous attempt Failed");
    expect(state.calls).toBe(calls);
  });

  it("the default policy caches a rerun of the same run, also in a new process", async () => {
    const { f, state } = rerunFlow();
    const first = await f.run();
    state.fail = false;
    configureStore(home);
    const second = await f.run(undefined, { resume: first });
    expect(step(second).state.name).toBe("Cached");
    expect(step(second).cacheReason).toBe(`cached: from run ${first.name} (${first.id.slice(0, 8)})`);
    // The prefix in the reason is one the store (and so `runs show`) resolves to the run.
    expect(flushed().findFlowRun(first.id.slice(0, 8)).id).toBe(first.id);
    expect(second.result).toBe(2);
    expect(state.calls).toBe(1);
  });

  it('cachePolicy "none" executes even on a rerun, and says why', async () => {
    const { f, state } = rerunFlow({ cachePolicy: "none" });
    const first = await f.run();
    state.fail = false;
    const second = await f.run(undefined, { resume: first });
    expect(step(second).state.name).toBe("Completed");
    expect(step(second).cacheReason).toBe("executed: cache policy none");
    expect(step(second).cacheKey).toBeNull();
    expect(state.calls).toBe(2);
  });

  it("an input that cannot be hashed is never cached, and the reason names it", async () => {
    let calls = 0;
    const t = task("t", (loop: object) => (calls++, typeof loop));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const f = flow({ name: "f", retries: 1 }, async () => {
      const out = await t(cyclic);
      if (calls === 1) throw new Error("again");
      return out;
    });
    const run = await f.run();
    expect(calls).toBe(2);
    expect(byKey(run.taskRuns, "t-0").state.name).toBe("Completed");
    expect(byKey(run.taskRuns, "t-0").cacheReason).toBe("executed: input `loop` cannot be hashed");
  });
});

describe("custom cache keys, expiration and refresh", () => {
  it("cacheKey decides the key: equal keys hit even for different inputs", async () => {
    let calls = 0;
    const t = task({ name: "report", cacheKey: (_ctx, day: string) => `report-${day.slice(0, 7)}` }, (day: string) => (calls++, { day }));
    const f = flow("f", async ({ day }: { day: string }) => t(day));
    const a = await f.run({ day: "2024-05-01" });
    const b = await f.run({ day: "2024-05-20" });
    const c = await f.run({ day: "2024-06-01" });
    expect(calls).toBe(2);
    expect(b.result).toEqual({ day: "2024-05-01" });
    expect(byKey(b.taskRuns, "report-0").cachedFrom).toBe(byKey(a.taskRuns, "report-0").id);
    expect(byKey(c.taskRuns, "report-0").state.name).toBe("Completed");
  });

  it("cacheKey gets the task's context", async () => {
    const seen: Array<{ taskName: string; flowRunId: string | null; sourceHash: string }> = [];
    const t = task({ name: "k", cacheKey: (ctx) => (seen.push(ctx), "k") }, () => 1);
    const run = await flow("f", async () => t()).run();
    expect(seen).toHaveLength(1);
    expect(seen[0].taskName).toBe("k");
    expect(seen[0].flowRunId).toBe(run.id);
    expect(seen[0].sourceHash).toMatch(/^[0-9a-f]{32}$/);
  });

  it("cacheKey returning null executes every time and says so", async () => {
    let calls = 0;
    const t = task({ name: "never", cacheKey: () => null }, () => ++calls);
    const f = flow("f", async () => t());
    await f.run();
    const second = await f.run();
    expect(calls).toBe(2);
    expect(byKey(second.taskRuns, "never-0").cacheKey).toBeNull();
    expect(byKey(second.taskRuns, "never-0").cacheReason).toBe("executed: cacheKey returned null");
  });

  it.each([
    { what: "within the expiration", laterMs: 30_000, cached: true },
    { what: "after the expiration", laterMs: 61_000, cached: false },
  ])("cacheExpiration 1m: a run $what is cached: $cached", async ({ laterMs, cached }) => {
    const { f, calls } = stepFlow({ cachePolicy: "inputs", cacheExpiration: "1m" });
    const first = await f.run({ rows: [1], version: 1 });
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + laterMs);
    const second = await f.run({ rows: [1], version: 1 });
    expect(calls.n).toBe(cached ? 1 : 2);
    expect(step(second).state.name).toBe(cached ? "Cached" : "Completed");
    if (!cached) expect(step(second).cacheReason).toBe(`executed: cached result of ${step(first).id.slice(-8)} expired`);
  });

  it("cacheExpiration also applies on a rerun in a new process", async () => {
    const { f, state } = rerunFlow2("1m");
    const first = await f.run();
    state.fail = false;
    configureStore(home);
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + 120_000);
    const second = await f.run(undefined, { resume: first });
    expect(step(second).state.name).toBe("Completed");
    expect(step(second).cacheReason).toMatch(/expired$/);
    expect(state.calls).toBe(2);
  });

  it("refreshCache executes despite a match and replaces the cached result", async () => {
    let n = 0;
    const t = task({ name: "fresh", cachePolicy: "inputs" }, () => ({ n: ++n }));
    const f = flow("f", async ({ refresh }: { refresh: boolean }) => (refresh ? t.with({ refreshCache: true }) : t)());
    expect((await f.run({ refresh: false })).result).toEqual({ n: 1 });
    const refreshed = await f.run({ refresh: true });
    expect(refreshed.result).toEqual({ n: 2 });
    expect(byKey(refreshed.taskRuns, "fresh-0").cacheReason).toBe("executed: refresh requested");
    const after = await f.run({ refresh: false });
    expect(after.result).toEqual({ n: 2 });
    expect(byKey(after.taskRuns, "fresh-0").cachedFrom).toBe(byKey(refreshed.taskRuns, "fresh-0").id);
    configureStore(home);
    const fromStore = await f.run({ refresh: false });
    expect(fromStore.result).toEqual({ n: 2 });
    expect(n).toBe(2);
  });
});

describe("caching never skips expected work", () => {
  it("by default a new run executes every task again (keys are scoped to the run)", async () => {
    let calls = 0;
    const t = task("plain", (x: number) => (calls++, x * 2));
    const f = flow("f", async () => t(1));
    const first = await f.run();
    const second = await f.run();
    expect(calls).toBe(2);
    expect(byKey(second.taskRuns, "plain-0").state.name).toBe("Completed");
    expect(byKey(second.taskRuns, "plain-0").cacheKey).not.toBe(byKey(first.taskRuns, "plain-0").cacheKey);
  });

  it("a run with refreshCache executes every task, even one cached across runs, and its results are the ones reused next", async () => {
    let n = 0;
    const t = task({ name: "daily", cachePolicy: "inputs", cacheExpiration: "1d" }, (day: string) => ({ day, n: ++n }));
    const f = flow("f", async () => t("2026-11-30"));
    const first = await f.run();
    const cached = await f.run();
    expect(byKey(cached.taskRuns, "daily-0").state.name).toBe("Cached");
    const refreshed = await f.run(undefined, { refreshCache: true });
    expect(refreshed.result).toEqual({ day: "2026-11-30", n: 2 });
    const tr = byKey(refreshed.taskRuns, "daily-0");
    expect([tr.state.name, tr.cacheReason]).toEqual(["Completed", "executed: refresh requested"]);
    configureStore(home);
    const after = await f.run();
    expect(after.result).toEqual({ day: "2026-11-30", n: 2 });
    expect(byKey(after.taskRuns, "daily-0").cacheReason).toBe(`cached: from run ${refreshed.name} (${refreshed.id.slice(0, 8)})`);
    expect(n).toBe(2);
    expect(first.id).not.toBe(refreshed.id);
  });

  it("a refreshed run also re-executes its subflows", async () => {
    let childCalls = 0;
    const inner = task({ name: "inner", cachePolicy: "inputs" }, () => ++childCalls);
    const child = flow("child", async () => inner());
    const parent = flow("parent", async () => child());
    await parent.run();
    await parent.run(undefined, { refreshCache: true });
    expect(childCalls).toBe(2);
  });

  it("store.clearCache forgets one task's cached results, or all", async () => {
    const calls = { a: 0, b: 0 };
    const a = task({ name: "a", cachePolicy: "inputs" }, () => ++calls.a);
    const b = task({ name: "b", cachePolicy: "inputs" }, () => ++calls.b);
    const f = flow("f", async () => [await a(), await b()]);
    await f.run();
    configureStore(home);
    expect(flushed().clearCache("a")).toBe(1);
    await f.run();
    expect(calls).toEqual({ a: 2, b: 1 });
    configureStore(home);
    expect(flushed().clearCache()).toBe(3);
    await f.run();
    expect(calls).toEqual({ a: 3, b: 2 });
  });
});

function rerunFlow2(expiration: string) {
  const state = { fail: true, calls: 0 };
  const s = task({ name: "step", cacheExpiration: expiration }, (rows: number[]) => (state.calls++, { n: rows.length }));
  const last = task("last", (x: { n: number }) => {
    if (state.fail) throw new Error("last broke");
    return x.n;
  });
  return { f: flow("rerun-exp", async () => last(await s([1, 2]))), state };
}
