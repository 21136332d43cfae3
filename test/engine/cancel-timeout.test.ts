import os from "node:os";
import { beforeEach, describe, expect, it } from "vitest";
import { getRunContext } from "../../src/engine/context.js";
import { CancelledError, getEngine } from "../../src/engine/engine.js";
import { cancelRun } from "../../src/runner/runs.js";
import { flow, task } from "../../src/index.js";
import { byKey, deferred, flushed, freshStore, historyNames, until } from "./helpers.js";

/** A task body that waits until its run's signal aborts, and reports that it saw the abort. */
function waitForAbort(seen: { aborted: boolean; reason?: unknown }): Promise<never> {
  const { signal } = getRunContext();
  return new Promise((_resolve, reject) => {
    signal.addEventListener("abort", () => {
      seen.aborted = true;
      seen.reason = signal.reason;
      reject(signal.reason);
    });
  });
}

describe("task timeouts", () => {
  beforeEach(() => {
    freshStore();
  });

  it.each([["50ms"], ["0.05s"], [0.05]])("timeout %j ends the task TimedOut and aborts its signal", async (timeout) => {
    const seen: { aborted: boolean; reason?: unknown } = { aborted: false };
    const t = task({ name: "slow", timeout }, () => waitForAbort(seen));
    const run = await flow("f", async () => t()).run();
    const tr = byKey(run.taskRuns, "slow-0");
    expect(tr.state.name).toBe("TimedOut");
    expect(tr.state.message).toBe("task slow-0 timed out after 0.05s");
    expect(seen.aborted).toBe(true);
    expect((seen.reason as Error).name).toBe("TimeoutError");
    expect(run.state.name).toBe("Failed");
  });

  it("a timed-out task is retried with a fresh signal", async () => {
    const signals: AbortSignal[] = [];
    const t = task({ name: "slow", timeout: "30ms", retries: 1 }, () => {
      const { signal } = getRunContext();
      signals.push(signal);
      if (signals.length === 1) return new Promise(() => {});
      return signal.aborted ? "stale" : "fresh";
    });
    const run = await flow("f", async () => t()).run();
    expect(run.result).toBe("fresh");
    expect(signals).toHaveLength(2);
    expect(signals[0].aborted).toBe(true);
    expect(historyNames("task", byKey(run.taskRuns, "slow-0").id)).toEqual(["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]);
  });

  it("a task that finishes within its timeout completes", async () => {
    const t = task({ name: "quick", timeout: "5s" }, () => 7);
    const run = await flow("f", async () => t()).run();
    expect(run.result).toBe(7);
  });

  it("a flow over its timeout ends TimedOut and aborts its running tasks", async () => {
    const seen: { aborted: boolean; reason?: unknown } = { aborted: false };
    const t = task("slow", () => waitForAbort(seen));
    const f = flow({ name: "f", timeout: "50ms" }, async () => t());
    const run = await f.run();
    expect(run.state.name).toBe("TimedOut");
    expect(seen.aborted).toBe(true);
    flushed();
    await until(() => flushed().getTaskRuns(run.id)[0]?.state.type === "FAILED", 2000, "the task to end");
    expect(flushed().getTaskRuns(run.id)[0].state.name).toBe("TimedOut");
  });
});

describe("cancellation", () => {
  beforeEach(() => {
    freshStore();
  });

  it("aborting the live flow run cancels its running tasks and the flow", async () => {
    const started = deferred();
    const seen: { aborted: boolean; reason?: unknown } = { aborted: false };
    const t = task("long", () => {
      started.resolve();
      return waitForAbort(seen);
    });
    const f = flow("f", async () => {
      const a = t.submit();
      const b = t.submit();
      return [await a, await b];
    });
    const running = f.run();
    await started.promise;
    const [live] = [...getEngine().live.values()];
    live.controller.abort(new CancelledError("stop it"));
    const run = await running;
    expect(run.state).toMatchObject({ type: "CANCELLED", name: "Cancelled" });
    expect(seen.aborted).toBe(true);
    expect(run.taskRuns.map((tr) => tr.state.name)).toEqual(["Cancelled", "Cancelled"]);
    expect(historyNames("flow", run.id)).toEqual(["Pending", "Running", "Cancelled"]);
  });

  it("a task waiting for a concurrency slot when the flow is cancelled ends Cancelled without running", async () => {
    const started = deferred();
    let bodies = 0;
    const t = task("long", () => {
      bodies++;
      started.resolve();
      return waitForAbort({ aborted: false });
    });
    const f = flow({ name: "f", concurrency: 1 }, async () => Promise.all([t.submit(), t.submit()]));
    const running = f.run();
    await started.promise;
    [...getEngine().live.values()][0].controller.abort(new CancelledError());
    const run = await running;
    expect(bodies).toBe(1);
    expect(run.state.name).toBe("Cancelled");
    expect(run.taskRuns.map((tr) => tr.state.name)).toEqual(["Cancelled", "Cancelled"]);
  });

  it("cancelRun() on a run of this process is picked up by the heartbeat", async () => {
    const started = deferred();
    const seen: { aborted: boolean; reason?: unknown } = { aborted: false };
    const t = task("long", () => {
      started.resolve();
      return waitForAbort(seen);
    });
    const f = flow("f", async () => t());
    const running = f.run();
    await started.promise;
    const id = [...getEngine().live.keys()][0];
    const { immediate, record } = cancelRun(id);
    expect(immediate).toBe(false);
    expect(record.state.name).toBe("Cancelling");
    expect(seen.aborted).toBe(false);
    getEngine().beat();
    const run = await running;
    expect(seen.aborted).toBe(true);
    expect(run.state.name).toBe("Cancelled");
    expect(run.state.message).toBe("cancelled by request");
    expect(byKey(run.taskRuns, "long-0").state.name).toBe("Cancelled");
    expect(historyNames("flow", run.id)).toEqual(["Pending", "Running", "Cancelling", "Cancelled"]);
  });

  it("cancelRun() right after the run starts is not lost to the run's own pending writes", async () => {
    const started = deferred();
    const t = task("long", () => {
      started.resolve();
      return waitForAbort({ aborted: false });
    });
    const running = flow("f", async () => t()).run();
    await started.promise;
    // No flush between the run's Running state and the cancel request.
    const id = [...getEngine().live.keys()][0];
    cancelRun(id);
    getEngine().beat();
    const run = await running;
    expect(run.state.name).toBe("Cancelled");
  });

  it("cancelRun() of a run whose owner is gone cancels it at once", async () => {
    const t = task("t", () => 1);
    const run = await flow("f", async () => t()).run();
    // As if a process on this host (a pid that does not exist) had left it Running.
    flushed().db.prepare("UPDATE flow_runs SET state_type='RUNNING', state_name='Running', owner=? WHERE id=?").run(`${os.hostname()}:999999999:1`, run.id);
    const { immediate, record } = cancelRun(run.id);
    expect(immediate).toBe(true);
    expect(record.state.name).toBe("Cancelled");
  });

  it("cancelRun() of a finished run is refused", async () => {
    const run = await flow("f", async () => 1).run();
    flushed();
    expect(() => cancelRun(run.id)).toThrow(/already ended Completed/);
  });
});

describe("cancellation downstream", () => {
  it("a task waiting on a cancelled upstream ends Cancelled, not Failed", async () => {
    const slow = task("slow", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return 1;
    });
    const after = task("after", (x: number) => x + 1);
    const f = flow("cancel-chain", async () => {
      const first = slow.submit();
      const second = after.submit(first);
      setTimeout(() => {
        for (const run of getEngine().live.values()) run.controller.abort(new CancelledError("stop"));
      }, 50);
      return second.result();
    });
    const run = await f.run();
    expect(run.state.name).toBe("Cancelled");
    const byName = Object.fromEntries(run.taskRuns.map((t) => [t.taskName, t]));
    expect(byName.slow.state.name).toBe("Cancelled");
    expect(byName.after.state.name).toBe("Cancelled");
    expect(byName.after.cacheReason).toBe("not run: upstream `slow-0` was cancelled");
  });
});
