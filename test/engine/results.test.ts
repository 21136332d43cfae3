import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { configureStore } from "../../src/engine/engine.js";
import { resultPath } from "../../src/store/results.js";
import { flow, task } from "../../src/index.js";
import { byKey, flushed, freshStore } from "./helpers.js";

let home: string;
beforeEach(() => {
  home = freshStore();
});

function resultRefOf(taskRunId: string): string | null {
  return flushed().getTaskRunRow(taskRunId)!.result_ref;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("persisted results", () => {
  it("a small result is stored inline in the database, not as a file", async () => {
    const t = task("small", () => ({ rows: [1, 2, 3] }));
    const run = await flow("f", async () => t()).run();
    const ref = resultRefOf(byKey(run.taskRuns, "small-0").id)!;
    expect(ref).toMatch(/^[0-9a-f]{64}$/);
    expect(flushed().db.prepare("SELECT count(*) AS n FROM results WHERE ref = ?").get(ref)).toEqual({ n: 1 });
    expect(fs.existsSync(resultPath(path.join(home, "results"), ref))).toBe(false);
    expect(flushed().loadResult(ref)).toEqual({ rows: [1, 2, 3] });
  });

  it("a result over 4 KB is a content-addressed file under results/", async () => {
    const big = "x".repeat(10_000);
    const t = task("big", () => ({ big }));
    const run = await flow("f", async () => t()).run();
    const ref = resultRefOf(byKey(run.taskRuns, "big-0").id)!;
    const file = resultPath(path.join(home, "results"), ref);
    expect(file).toBe(path.join(home, "results", ref.slice(0, 2), ref.slice(2)));
    expect(fs.statSync(file).size).toBeGreaterThan(4096);
    expect(flushed().db.prepare("SELECT count(*) AS n FROM results WHERE ref = ?").get(ref)).toEqual({ n: 0 });
    expect(flushed().loadResult(ref)).toEqual({ big });
    expect(filesUnder(path.join(home, "results")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("persistResult: false keeps the result in memory only", async () => {
    const t = task({ name: "mem", persistResult: false }, () => ({ a: 1 }));
    const run = await flow("f", async () => t()).run();
    expect(run.result).toEqual({ a: 1 });
    expect(resultRefOf(byKey(run.taskRuns, "mem-0").id)).toBeNull();
  });

  class Connection {
    constructor(readonly url: string) {}
  }
  const unpersistable: Array<{ what: string; make: () => unknown; why: RegExp }> = [
    { what: "a class instance", make: () => new Connection("db://x"), why: /the result is an instance of Connection, which would come back as a plain object/ },
    { what: "a function", make: () => () => 42, why: /the result is a function/ },
    { what: "an object holding a function", make: () => ({ rows: [1], next: () => 2 }), why: /the result\.next is a function/ },
  ];
  it.each(unpersistable)("a task returning $what runs, returns it, and the log says why it is not cached", async ({ make, why }) => {
    let value: unknown;
    const t = task("odd", () => (value = make()));
    const user = task("user", (v: unknown) => v);
    const f = flow("f", async () => {
      const v = await t();
      return (await user(v)) === value;
    });
    const run = await f.run();
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe(true);
    const odd = byKey(run.taskRuns, "odd-0");
    expect(odd.state.name).toBe("Completed");
    expect(resultRefOf(odd.id)).toBeNull();
    const warning = flushed().getLogs(run.id).find((l) => l.taskRunId === odd.id && l.level === "warning");
    expect(warning?.message).toMatch(/^result of odd-0 is kept in memory only and will not be cached across processes: /);
    expect(warning?.message).toMatch(why);
  });

  it("a flow returning a value that cannot be persisted still completes with it", async () => {
    const conn = new Connection("x");
    const run = await flow("f", async () => conn).run();
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe(conn);
  });

  it("a corrupt result file on rerun re-executes the task instead of crashing, and says it was unreadable", async () => {
    let fail = true;
    let calls = 0;
    const big = task("big", () => (calls++, { text: "y".repeat(8000) }));
    const last = task("last", (x: { text: string }) => {
      if (fail) throw new Error("broke");
      return x.text.length;
    });
    const f = flow("f", async () => last(await big()));
    const first = await f.run();
    const ref = resultRefOf(byKey(first.taskRuns, "big-0").id)!;
    const file = resultPath(path.join(home, "results"), ref);
    fs.writeFileSync(file, "garbage");
    fail = false;
    configureStore(home); // a new process: nothing in memory
    const second = await f.run(undefined, { resume: first });
    expect(second.state.name).toBe("Completed");
    expect(second.result).toBe(8000);
    expect(calls).toBe(2);
    const again = byKey(second.taskRuns, "big-0");
    expect(again.state.name).toBe("Completed");
    expect(again.cacheReason).toMatch(new RegExp(`^executed: cached result of ${byKey(first.taskRuns, "big-0").id.slice(-8)} unreadable \\(.*corrupt`));
    expect(flushed().getLogs(second.id).some((l) => l.level === "warning" && /could not be read, executing instead/.test(l.message))).toBe(true);
  });

  it("a missing result file on rerun re-executes the task too", async () => {
    let fail = true;
    let calls = 0;
    const big = task("big", () => (calls++, { text: "z".repeat(8000) }));
    const last = task("last", (x: { text: string }) => {
      if (fail) throw new Error("broke");
      return x.text.length;
    });
    const f = flow("f", async () => last(await big()));
    const first = await f.run();
    fs.rmSync(resultPath(path.join(home, "results"), resultRefOf(byKey(first.taskRuns, "big-0").id)!));
    fail = false;
    configureStore(home);
    const second = await f.run(undefined, { resume: first });
    expect(second.result).toBe(8000);
    expect(calls).toBe(2);
    expect(byKey(second.taskRuns, "big-0").cacheReason).toMatch(/unreadable/);
  });
});
