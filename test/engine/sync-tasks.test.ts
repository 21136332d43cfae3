// Synchronous tasks (a function that returns a plain value) end their first attempt without a promise or a tick
// (task-run.ts execute()): the same states, in the same order, as a task that returns a promise, and the same
// failures, retries, cache hits, hooks and cancellation.

import { beforeEach, describe, expect, it } from "vitest";
import type { TaskRunRecord } from "../../src/core/records.js";
import type { State } from "../../src/core/states.js";
import { getRunContext } from "../../src/engine/context.js";
import { CancelledError, getEngine } from "../../src/engine/engine.js";
import { flow, task, type TaskFuture } from "../../src/index.js";
import { byKey, flushed, freshStore, historyNames } from "./helpers.js";

/** Cancel the flow run the calling task runs in, as `cellflow runs cancel` or a Ctrl-C would. */
function cancelOwnFlow(message: string): void {
  const id = getRunContext().flowRun!.id;
  getEngine().live.get(id)!.controller.abort(new CancelledError(message));
}

describe("synchronous tasks", () => {
  beforeEach(() => {
    freshStore();
  });

  it("a submitted one runs after submit() returns, and goes Pending → Running → Completed", async () => {
    const events: string[] = [];
    const t = task("t", (x: number) => {
      events.push(`body ${x}`);
      return x * 2;
    });
    const run = await flow("f", async () => {
      const a = t.submit(1);
      events.push("submitted");
      const b = t.submit(2);
      return (await a) + (await b);
    }).run();
    expect(run.result).toBe(6);
    expect(events).toEqual(["submitted", "body 1", "body 2"]);
    for (const key of ["t-0", "t-1"]) expect(historyNames("task", byKey(run.taskRuns, key).id)).toEqual(["Pending", "Running", "Completed"]);
  });

  it("one that throws fails with its own error, stored, and its onFailure hook runs once", async () => {
    const boom = new Error("boom");
    const failures: string[] = [];
    const t = task({ name: "t", onFailure: [(r: TaskRunRecord, s: State) => void failures.push(`${r.dynamicKey} ${s.name}`)] }, () => {
      throw boom;
    });
    let caught: unknown;
    const run = await flow("f", async () => {
      try {
        await t();
      } catch (error) {
        caught = error;
      }
      const submitted = t.submit();
      await submitted.result().catch(() => undefined);
      return submitted.state.name;
    }).run();
    expect(caught).toBe(boom);
    expect(run.result).toBe("Failed");
    expect(failures).toEqual(["t-0 Failed", "t-1 Failed"]);
    const tr = byKey(run.taskRuns, "t-0");
    expect(historyNames("task", tr.id)).toEqual(["Pending", "Running", "Failed"]);
    expect(JSON.parse(flushed().getTaskRunRow(tr.id)!.error!)).toMatchObject({ name: "Error", message: "boom" });
  });

  it("one that throws is retried, awaited or submitted, and completes on a later attempt", async () => {
    const calls = new Map<number, number>();
    const t = task({ name: "t", retries: 2, retryDelay: 0 }, (x: number) => {
      const n = (calls.get(x) ?? 0) + 1;
      calls.set(x, n);
      if (n < 3) throw new Error(`attempt ${n}`);
      return x;
    });
    const run = await flow("f", async () => (await t(1)) + (await t.submit(2))).run();
    expect(run.result).toBe(3);
    for (const key of ["t-0", "t-1"]) {
      const tr = byKey(run.taskRuns, key);
      expect(tr.runCount).toBe(3);
      expect(historyNames("task", tr.id)).toEqual(["Pending", "Running", "AwaitingRetry", "Retrying", "AwaitingRetry", "Retrying", "Completed"]);
    }
  });

  it("one with a cache policy is Cached in the next flow run, its body not run again", async () => {
    let bodies = 0;
    const t = task({ name: "t", cachePolicy: "inputs" }, (x: number) => {
      bodies++;
      return { doubled: x * 2 };
    });
    const f = flow("f", async () => (await t(21)).doubled + (await t.submit(1)).doubled);
    const first = await f.run();
    const second = await f.run();
    expect([first.result, second.result, bodies]).toEqual([44, 44, 2]);
    for (const key of ["t-0", "t-1"]) {
      expect(historyNames("task", byKey(first.taskRuns, key).id)).toEqual(["Pending", "Running", "Completed"]);
      expect(historyNames("task", byKey(second.taskRuns, key).id)).toEqual(["Pending", "Cached"]);
    }
  });

  it("its onCompletion hook runs after Completed and before the awaited call returns", async () => {
    const events: string[] = [];
    const t = task({ name: "t", onCompletion: [(r: TaskRunRecord) => void events.push(`hook ${r.state.name}`)] }, () => {
      events.push("body");
      return 1;
    });
    await flow("f", async () => {
      events.push(`value ${await t()}`);
    }).run();
    expect(events).toEqual(["body", "hook Completed", "value 1"]);
  });

  it("one that cancels its flow while it runs ends Cancelled, not Completed; the task run after it never runs", async () => {
    const bodies: string[] = [];
    const t = task("t", (x: string) => {
      bodies.push(x);
      if (x === "cancel") cancelOwnFlow("stop here");
      return x;
    });
    const run = await flow("f", async () => {
      const futures = [t.submit("first"), t.submit("cancel"), t.submit("never")];
      for (const future of futures) await future.wait();
      return futures.map((future) => future.state.name);
    }).run();
    expect(bodies).toEqual(["first", "cancel"]);
    expect(run.state.name).toBe("Cancelled");
    expect(run.taskRuns.map((tr) => `${tr.dynamicKey} ${tr.state.name}`)).toEqual(["t-0 Completed", "t-1 Cancelled", "t-2 Cancelled"]);
    expect(byKey(run.taskRuns, "t-1").state.message).toBe("CancelledError: stop here");
    expect(historyNames("task", byKey(run.taskRuns, "t-1").id)).toEqual(["Pending", "Running", "Cancelled"]);
    expect(historyNames("task", byKey(run.taskRuns, "t-2").id)).toEqual(["Pending", "Running", "Cancelled"]);
  });

  it("one that cancels its flow and then throws ends Cancelled with the cancellation's reason", async () => {
    const t = task({ name: "t", retries: 3, retryDelay: 0 }, () => {
      cancelOwnFlow("cancelled first");
      throw new Error("thrown after");
    });
    const run = await flow("f", async () => {
      await t().catch(() => undefined);
    }).run();
    const tr = byKey(run.taskRuns, "t-0");
    expect(tr.state.name).toBe("Cancelled");
    expect(tr.state.message).toBe("CancelledError: cancelled first");
    expect(tr.runCount).toBe(1);
  });

  it("an async one whose synchronous part cancels its flow ends Cancelled at once", async () => {
    let settleLater!: () => void;
    const t = task("t", () => {
      cancelOwnFlow("stop");
      return new Promise<number>((resolve) => (settleLater = () => resolve(1)));
    });
    const run = await flow("f", async () => {
      await t().catch(() => undefined);
    }).run();
    settleLater();
    expect(byKey(run.taskRuns, "t-0").state.name).toBe("Cancelled");
  });

  it("one with a timeout that returns at once completes", async () => {
    const t = task({ name: "t", timeout: 5 }, (x: number) => x + 1);
    const run = await flow("f", async () => (await t(1)) + (await t.submit(2))).run();
    expect(run.result).toBe(5);
    expect(run.taskRuns.map((tr) => tr.state.name)).toEqual(["Completed", "Completed"]);
  });

  it("a function returning a thenable that is not a Promise is awaited: the task's value is what it resolves to", async () => {
    const thenable = { then: (resolve: (v: number) => void) => setTimeout(() => resolve(7), 1) };
    const t = task("t", () => thenable as unknown as number);
    const run = await flow("f", async () => (await t()) + (await t.submit())).run();
    expect(run.result).toBe(14);
  });

  it("a submitted failure read after it ended counts as seen; one read by nobody fails the flow", async () => {
    const t = task("t", (fail: boolean) => {
      if (fail) throw new Error("bad");
      return 1;
    });
    const read = await flow("read", async () => {
      const future = t.submit(true);
      await future.wait();
      const first = await future.result().catch((e: Error) => e.message);
      const again = await future.result().catch((e: Error) => e.message);
      return `${first} ${again} ${await t.submit(false).result()}`;
    }).run();
    expect(read.state.name).toBe("Completed");
    expect(read.result).toBe("bad bad 1");
    const unread = await flow("unread", async () => {
      await t.submit(true).wait();
    }).run();
    expect(unread.state.message).toBe("UnobservedTaskFailure: task t-0 failed and its future was never awaited: bad");
  });

  it("a failed submission outside any flow is no unhandled rejection", async () => {
    const t = task("t", () => {
      throw new Error("outside");
    });
    const future = t.submit();
    expect((await future.wait()).name).toBe("Failed");
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it("a submitted task run refused before it starts (a waitFor cycle) and read by nobody still fails the flow", async () => {
    const inner = task("inner", () => "never");
    const holder: { outer?: TaskFuture<unknown> } = {};
    const outer = task("outer", async () => {
      inner.with({ waitFor: [holder.outer] }).submit();
      return "outer done";
    });
    const run = await flow("f", async () => {
      holder.outer = outer.submit();
      return holder.outer;
    }).run();
    expect(byKey(run.taskRuns, "inner-0").state.name).toBe("Failed");
    expect(byKey(run.taskRuns, "outer-0").state.name).toBe("Completed");
    expect(run.state.message).toMatch(/^UnobservedTaskFailure: task inner-0 failed and its future was never awaited: CellflowError: waitFor cycle: task inner-0 waits for outer-0/);
  });

  it("an argument whose hashing throws fails the task run before it runs, awaited or submitted", async () => {
    let bodies = 0;
    const t = task("t", (_arg: unknown) => ++bodies);
    const bad = {
      get boom(): number {
        throw new Error("getter broke");
      },
    };
    const run = await flow("f", async () => {
      const awaited = await t(bad).catch((e: Error) => e.message);
      const submitted = await t.submit(bad).result().catch((e: Error) => e.message);
      return `${awaited} / ${submitted}`;
    }).run();
    expect(run.result).toBe("getter broke / getter broke");
    expect(bodies).toBe(0);
    for (const key of ["t-0", "t-1"]) expect(historyNames("task", byKey(run.taskRuns, key).id)).toEqual(["Pending", "Failed"]);
  });

  it("an async task started without waiting (the short path) ends as it did: value, failure, hooks", async () => {
    const events: string[] = [];
    const t = task({ name: "t", onCompletion: [() => void events.push("hook")] }, async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (x < 0) throw new Error("negative");
      return x * 10;
    });
    const run = await flow("f", async () => {
      const a = await t(1);
      const b = await t.submit(2);
      const c = await t(-1).catch((e: Error) => e.message);
      return [a, b, c];
    }).run();
    expect(run.result).toEqual([10, 20, "negative"]);
    expect(events).toEqual(["hook", "hook"]);
    expect(run.taskRuns.map((tr) => tr.state.name)).toEqual(["Completed", "Completed", "Failed"]);
  });
});
