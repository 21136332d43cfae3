import { beforeEach, describe, expect, it } from "vitest";
import { flow, task, unmapped } from "../../src/index.js";
import { byKey, deferred, freshStore } from "./helpers.js";

beforeEach(() => {
  freshStore();
});

describe("data edges", () => {
  it("task.submit() resolves futures passed as arguments before the call", async () => {
    const gate = deferred();
    const seen: unknown[] = [];
    const a = task("a", async () => {
      await gate.promise;
      return 5;
    });
    const b = task("b", (x: number, y: number) => (seen.push(x, y), x + y));
    const f = flow("f", async () => {
      const fa = a.submit();
      const fb = b.submit(fa, 1);
      expect(fb.state.name).toBe("Pending");
      gate.resolve();
      return fb.result();
    });
    const run = await f.run();
    expect(run.result).toBe(6);
    expect(seen).toEqual([5, 1]);
    const [ra, rb] = [byKey(run.taskRuns, "a-0"), byKey(run.taskRuns, "b-0")];
    expect(rb.upstream).toEqual([ra.id]);
    expect(rb.inputs[0]).toEqual({ name: "x", kind: "task_run", taskRunId: ra.id, hash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(rb.inputs[1]).toMatchObject({ name: "y", kind: "value" });
  });

  it("an object returned by one task and passed on (after await) is an edge by identity", async () => {
    const a = task("a", () => ({ rows: [1, 2] }));
    const b = task("b", (data: { rows: number[] }) => data.rows.length);
    const run = await flow("f", async () => {
      const out = await a();
      return b(out);
    }).run();
    const [ra, rb] = [byKey(run.taskRuns, "a-0"), byKey(run.taskRuns, "b-0")];
    expect(rb.upstream).toEqual([ra.id]);
    expect(rb.inputs).toEqual([{ name: "data", kind: "task_run", taskRunId: ra.id, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it("a list of task results (from futures.result()) is an edge to each task, typed as an array argument", async () => {
    const part = task("part", (i: number) => ({ i }));
    const total = task("total", (parts: Array<{ i: number }>) => parts.reduce((n, p) => n + p.i, 0));
    const run = await flow("f", async () => {
      const parts = await part.map([1, 2, 3]).result();
      const viaFutures = await total([part.submit(10), part.submit(20)]);
      return (await total(parts)) + viaFutures;
    }).run();
    expect(run.result).toBe(36);
    const ids = ["part-0", "part-1", "part-2"].map((k) => byKey(run.taskRuns, k).id);
    expect(byKey(run.taskRuns, "total-1").upstream.sort()).toEqual(ids.sort());
    expect(byKey(run.taskRuns, "total-0").upstream.sort()).toEqual(["part-3", "part-4"].map((k) => byKey(run.taskRuns, k).id).sort());
  });

  it("a copy of a returned object is not an edge", async () => {
    const a = task("a", () => ({ rows: [1, 2] }));
    const b = task("b", (data: { rows: number[] }) => data.rows.length);
    const run = await flow("f", async () => b({ ...(await a()) })).run();
    expect(byKey(run.taskRuns, "b-0").upstream).toEqual([]);
  });

  it("an array of futures is resolved element by element, each an edge", async () => {
    const n = task("n", (i: number) => i * 10);
    const sum = task("sum", (xs: number[]) => xs.reduce((a, b) => a + b, 0));
    const run = await flow("f", async () => sum([n.submit(1), n.submit(2), 3] as unknown as number[])).run();
    expect(run.result).toBe(33);
    const s = byKey(run.taskRuns, "sum-0");
    expect(new Set(s.upstream)).toEqual(new Set([byKey(run.taskRuns, "n-0").id, byKey(run.taskRuns, "n-1").id]));
  });

  it("awaiting a future gives its value; wait() gives its state", async () => {
    const a = task("a", () => 3);
    const run = await flow("f", async () => {
      const fa = a.submit();
      const state = await fa.wait();
      return [await fa, state.name, fa.state.name];
    }).run();
    expect(run.result).toEqual([3, "Completed", "Completed"]);
  });
});

describe("waitFor edges", () => {
  it("t.with({ waitFor: [f] }) starts only after f ends and records a state-only edge", async () => {
    const order: string[] = [];
    const gate = deferred();
    const first = task("first", async () => {
      await gate.promise;
      order.push("first");
    });
    const second = task("second", () => {
      order.push("second");
      return "done";
    });
    const run = await flow("f", async () => {
      const f1 = first.submit();
      const f2 = second.with({ waitFor: [f1] }).submit();
      await new Promise((r) => setTimeout(r, 10));
      expect(order).toEqual([]);
      gate.resolve();
      return f2.result();
    }).run();
    expect(order).toEqual(["first", "second"]);
    const s = byKey(run.taskRuns, "second-0");
    expect(s.upstream).toEqual([byKey(run.taskRuns, "first-0").id]);
    expect(s.inputs).toEqual([{ name: "waitFor", kind: "wait_for", taskRunId: byKey(run.taskRuns, "first-0").id }]);
  });

  it("waiting for a failed task fails the waiter without running it", async () => {
    let ran = false;
    const bad = task("bad", () => {
      throw new Error("nope");
    });
    const after = task("after", () => (ran = true));
    const run = await flow("f", async () => {
      const fb = bad.submit();
      return after.with({ waitFor: [fb] })();
    }).run();
    expect(ran).toBe(false);
    expect(run.state.name).toBe("Failed");
    const a = byKey(run.taskRuns, "after-0");
    expect(a.state.name).toBe("Failed");
    expect(a.state.message).toBe("upstream task bad-0 failed: nope");
  });
});

describe("map()", () => {
  it("fans out over arrays and passes unmapped() values whole to every call", async () => {
    const calls: Array<[number, string[], string]> = [];
    const t = task("t", (x: number, all: string[], sep: string) => (calls.push([x, all, sep]), `${x}${sep}${all.length}`));
    const run = await flow("f", async () => t.map([1, 2, 3], unmapped(["a", "b"]), "-").result()).run();
    expect(run.result).toEqual(["1-2", "2-2", "3-2"]);
    expect(calls.map((c) => c[0]).sort()).toEqual([1, 2, 3]);
    expect(calls.every((c) => c[1].length === 2 && c[2] === "-")).toBe(true);
    expect(run.taskRuns.map((r) => r.dynamicKey)).toEqual(["t-0", "t-1", "t-2"]);
  });

  it("maps over the futures of another map", async () => {
    const double = task("double", (x: number) => x * 2);
    const inc = task("inc", (x: number) => x + 1);
    const run = await flow("f", async () => inc.map(double.map([1, 2]) as unknown as number[]).result()).run();
    expect(run.result).toEqual([3, 5]);
    expect(byKey(run.taskRuns, "inc-1").upstream).toEqual([byKey(run.taskRuns, "double-1").id]);
  });

  it.each([
    { args: [1, "x"], message: /t\.map\(\) needs at least one array argument/ },
    { args: [[1, 2], [1]], message: /t\.map\(\) got arrays of different lengths \(2, 1\)/ },
  ])("map($args) is refused: $message", ({ args, message }) => {
    const t = task("t", (..._xs: unknown[]) => 1);
    expect(() => (t.map as (...a: unknown[]) => unknown)(...args)).toThrow(message);
  });
});

describe("upstream failure", () => {
  it("a downstream task ends Failed with 'upstream … failed' and does not execute", async () => {
    let ran = 0;
    const a = task("a", () => {
      throw new Error("source down");
    });
    const b = task("b", (x: number) => (ran++, x));
    const run = await flow("f", async () => {
      const fa = a.submit();
      return b(fa as unknown as number);
    }).run();
    expect(ran).toBe(0);
    const rb = byKey(run.taskRuns, "b-0");
    expect(rb.state.name).toBe("Failed");
    expect(rb.state.message).toBe("upstream task a-0 failed: source down");
    expect(rb.cacheReason).toBe("not run: upstream `a-0` failed");
    expect(rb.runCount).toBe(0);
    expect(rb.upstream).toEqual([byKey(run.taskRuns, "a-0").id]);
    expect(run.state.name).toBe("Failed");
  });

  it("a submitted task's failure that nobody awaited still fails the flow", async () => {
    const a = task("a", () => {
      throw new Error("silent");
    });
    const run = await flow("f", async () => {
      a.submit();
      return "body finished";
    }).run();
    expect(run.state.name).toBe("Failed");
    expect(run.state.message).toBe("UnobservedTaskFailure: task a-0 failed and its future was never awaited: silent");
  });

  it("a failure the flow handled does not fail the flow", async () => {
    const a = task("a", () => {
      throw new Error("expected");
    });
    const run = await flow("f", async () => {
      const fa = a.submit();
      return (await fa.wait()).name === "Failed" && (await fa.result().catch((e: Error) => e.message));
    }).run();
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe("expected");
  });
});
