// The live DAG keeps ended task runs slim (engine/task-list.ts): the records it gives back must equal the full
// records the engine had, key for key and in the same key order, for every kind of task run.

import { beforeEach, describe, expect, it } from "vitest";
import { flow, task } from "../../src/index.js";
import { getRunGraph } from "../../src/engine/graph.js";
import { getEngine } from "../../src/engine/engine.js";
import { subscribe } from "../../src/engine/events.js";
import type { TaskRunRecord } from "../../src/core/records.js";
import { deferred, freshStore } from "./helpers.js";

beforeEach(() => {
  freshStore();
});

/** The records as the events carried them, frozen as JSON (key order included) at each task run's last event. */
function lastEventJson(): { latest: Map<string, string>; stop: () => void } {
  const latest = new Map<string, string>();
  const stop = subscribe((event) => {
    if (event.kind === "task") latest.set(event.run.id, JSON.stringify(event.run));
  });
  return { latest, stop };
}

describe("live DAG of a running flow", () => {
  it("gives back ended task runs equal to their full records, and unended ones as they are", async () => {
    const gate = deferred<number>();
    const inc = task("inc", (x: number) => x + 1);
    const pair = task("pair", (a: number, b: string) => `${a}${b}`);
    const none = task("none", () => 7);
    const boom = task("boom", () => {
      throw new Error("nope");
    });
    const obj = task("obj", (o: { v: number }) => o.v);
    const wait = task("wait", async () => gate.promise);
    const { latest, stop } = lastEventJson();
    let mid: TaskRunRecord[] = [];
    let midJson: Map<string, string> = new Map();
    let midText: string[] = [];
    const f = flow("graph-live", async () => {
      let x = 0;
      for (let i = 0; i < 5; i++) x = await inc(x);
      await inc(0); // the same call again in this run: Cached
      await pair(x, "a");
      await none();
      await obj({ v: x });
      const up = await obj.submit({ v: 1 }).result();
      await inc(up);
      await boom().catch(() => undefined);
      const pending = wait.submit();
      mid = getRunGraph(getEngine().live.keys().next().value as string).taskRuns;
      midText = mid.map((r) => JSON.stringify(r));
      midJson = new Map(latest);
      gate.resolve(3);
      await pending.result();
      return x;
    });
    await f({});
    stop();
    expect(mid.length).toBe(13);
    mid.forEach((record, i) => expect(midText[i], record.dynamicKey).toBe(midJson.get(record.id)));
    expect(mid.map((r) => r.state.name)).toContain("Cached");
    expect(mid.map((r) => r.state.name)).toContain("Failed");
    expect(JSON.parse(midText.at(-1)!).state.name).toBe("Pending");
  });

  it("reuses its rebuilt records while the last graph is held, and reads the same again", async () => {
    const inc = task("inc", (x: number) => x + 1);
    let first: TaskRunRecord[] = [];
    let second: TaskRunRecord[] = [];
    const full = new Map<string, TaskRunRecord>();
    const stop = subscribe((event) => void (event.kind === "task" && full.set(event.run.id, event.run)));
    await flow("graph-again", async () => {
      for (let i = 0; i < 3; i++) await inc(i);
      const id = getEngine().live.keys().next().value as string;
      first = getRunGraph(id).taskRuns;
      second = getRunGraph(id).taskRuns;
    })({});
    stop();
    // Rebuilt from the slim form (not the engine's record object), equal to it.
    expect(first[0]).not.toBe(full.get(first[0].id));
    expect(first[0]).toEqual(full.get(first[0].id));
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]);
    expect(second).toEqual(first);
    expect(first.map((r) => r.dynamicKey)).toEqual(["inc-0", "inc-1", "inc-2"]);
  });

  it("a flow retry starts an empty DAG for its new attempt", async () => {
    let attempt = 0;
    const inc = task("inc", (x: number) => x + 1);
    let seen: TaskRunRecord[] = [];
    await flow({ name: "graph-retry", retries: 1, retryDelay: 0 }, async () => {
      attempt++;
      await inc(attempt);
      const id = getEngine().live.keys().next().value as string;
      seen = getRunGraph(id).taskRuns;
      if (attempt === 1) throw new Error("again");
    })({});
    expect(seen).toHaveLength(1);
    expect(seen[0].flowAttempt).toBe(2);
    expect(seen[0].inputs).toEqual([{ name: "x", kind: "value", hash: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
  });
});
