import { beforeEach, describe, expect, it } from "vitest";
import { getEngine } from "../../src/engine/engine.js";
import { flow, task } from "../../src/index.js";
import { flushed, freshStore, Gauge } from "./helpers.js";

beforeEach(() => {
  freshStore();
});

const pause = () => new Promise((r) => setTimeout(r, 5));

describe("flow concurrency", () => {
  it("concurrency: 2 never has more than 2 task bodies at once", async () => {
    const gauge = new Gauge();
    const t = task("t", async (i: number) => {
      gauge.enter();
      await pause();
      gauge.leave();
      return i;
    });
    const run = await flow({ name: "f", concurrency: 2 }, async () => t.map([1, 2, 3, 4, 5, 6]).result()).run();
    expect(run.result).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gauge.max).toBe(2);
    expect(run.taskRuns.every((r) => r.state.name === "Completed")).toBe(true);
  });

  it("without a limit the same bodies all overlap (the gauge can see overlap)", async () => {
    const gauge = new Gauge();
    const t = task("t", async (_i: number) => {
      gauge.enter();
      await pause();
      gauge.leave();
    });
    await flow("f", async () => t.map([1, 2, 3, 4, 5, 6]).result()).run();
    expect(gauge.max).toBe(6);
  });

  it("a task called inside a task does not take a second slot (no deadlock at concurrency: 1)", async () => {
    const inner = task("inner", (x: number) => x + 1);
    const outer = task("outer", async (x: number) => inner(x));
    const run = await flow({ name: "f", concurrency: 1 }, async () => outer.map([1, 2]).result()).run();
    expect(run.result).toEqual([2, 3]);
  });
});

describe("tag concurrency limits", () => {
  it('limits.set("db", 1): never two "db"-tagged bodies at once, while untagged ones overlap them', async () => {
    getEngine().limits.set("db", 1);
    const db = new Gauge();
    const all = new Gauge();
    const write = task({ name: "write", tags: ["db"] }, async (_i: number) => {
      db.enter();
      all.enter();
      await pause();
      all.leave();
      db.leave();
    });
    const other = task("other", async () => {
      all.enter();
      await pause();
      await pause();
      all.leave();
    });
    const run = await flow("f", async () => Promise.all([write.map([1, 2, 3, 4]).result(), other.submit()])).run();
    expect(run.state.name).toBe("Completed");
    expect(db.max).toBe(1);
    expect(all.max).toBe(2);
    expect(flushed().db.prepare("SELECT count(*) AS n FROM concurrency_slots").get()).toEqual({ n: 0 });
  });

  it("a tag limit holds across two flow runs going at once", async () => {
    getEngine().limits.set("db", 2);
    const db = new Gauge();
    const write = task({ name: "write", tags: ["db", "io"] }, async (_i: number) => {
      db.enter();
      await pause();
      db.leave();
    });
    const f = flow("f", async () => write.map([1, 2, 3]).result());
    const runs = await Promise.all([f.run(), f.run(), f.run()]);
    expect(runs.map((r) => r.state.name)).toEqual(["Completed", "Completed", "Completed"]);
    expect(db.max).toBe(2);
  });

  it("a failing tagged task releases its slot", async () => {
    getEngine().limits.set("db", 1);
    const bad = task({ name: "bad", tags: ["db"] }, () => {
      throw new Error("x");
    });
    const good = task({ name: "good", tags: ["db"] }, () => "ok");
    const run = await flow("f", async () => {
      await bad().catch(() => {});
      return good();
    }).run();
    expect(run.result).toBe("ok");
  });

  it("limits list, set and remove; a bad limit is refused", () => {
    const limits = getEngine().limits;
    limits.set("db", 2);
    limits.set("api", 5);
    limits.set("db", 3);
    expect(limits.list()).toEqual([
      { tag: "api", slots: 5, active: 0 },
      { tag: "db", slots: 3, active: 0 },
    ]);
    expect(limits.remove("api")).toBe(true);
    expect(limits.remove("api")).toBe(false);
    expect(() => limits.set("db", -1)).toThrow("limit for tag 'db' must be a whole number ≥ 0, got -1");
    expect(() => limits.set(" ", 1)).toThrow("a tag limit needs a tag name");
  });
});
