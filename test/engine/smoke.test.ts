import { describe, expect, it, beforeEach } from "vitest";
import { flow, task } from "../../src/index.js";
import { freshStore, store } from "./helpers.js";

describe("engine smoke", () => {
  beforeEach(() => {
    freshStore();
  });

  it("runs a three-task flow and persists every state", async () => {
    const a = task("a", (n: number) => ({ n: n + 1 }));
    const b = task("b", (x: { n: number }) => x.n * 2);
    const f = flow("f", async ({ n }: { n: number }) => b(await a(n)));
    const run = await f.run({ n: 1 });
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe(4);
    expect(run.taskRuns.map((t) => t.state.name)).toEqual(["Completed", "Completed"]);
    expect(run.taskRuns[1].upstream).toEqual([run.taskRuns[0].id]);
    expect(store().getHistory("task", run.taskRuns[0].id).map((s) => s.name)).toEqual(["Pending", "Running", "Completed"]);
  });
});
