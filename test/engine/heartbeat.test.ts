import { beforeEach, describe, expect, it, vi } from "vitest";

// The heartbeat period is read when the engine module loads, so set it before any import runs.
vi.hoisted(() => {
  process.env.CELLFLOW_HEARTBEAT_MS = "20";
});

import { getRunContext } from "../../src/engine/context.js";
import { getEngine } from "../../src/engine/engine.js";
import { cancelRun } from "../../src/runner/runs.js";
import { flow, task } from "../../src/index.js";
import { byKey, deferred, flushed, freshStore } from "./helpers.js";

describe("heartbeat", () => {
  beforeEach(() => {
    freshStore();
  });

  it("cancelRun() from the store is picked up by the heartbeat timer, with no call to beat()", async () => {
    const started = deferred();
    const t = task("long", () => {
      started.resolve();
      const { signal } = getRunContext();
      return new Promise((_r, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    const running = flow("f", async () => t()).run();
    await started.promise;
    cancelRun([...getEngine().live.keys()][0]);
    const run = await running;
    expect(run.state.name).toBe("Cancelled");
    expect(byKey(run.taskRuns, "long-0").state.name).toBe("Cancelled");
  });

  it("the heartbeat keeps touching a running flow run's heartbeat column", async () => {
    const release = deferred();
    const started = deferred();
    const t = task("wait", async () => {
      started.resolve();
      await release.promise;
    });
    const running = flow("f", async () => t()).run();
    await started.promise;
    const id = [...getEngine().live.keys()][0];
    const first = flushed().getFlowRunRow(id)!.heartbeat!;
    const later = await new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        const hb = getEngine().store.getFlowRunRow(id)!.heartbeat!;
        if (hb > first) {
          clearInterval(poll);
          resolve(hb);
        }
      }, 5);
    });
    expect(later).toBeGreaterThan(first);
    release.resolve();
    expect((await running).state.name).toBe("Completed");
  });
});
