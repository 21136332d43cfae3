// Input hashes and cache keys are stored: a change to how they are computed would silently miss every result cached
// before it. These digests were computed by the engine before its hot path was rewritten, and must not move.

import { describe, expect, it } from "vitest";
import { cacheKeyFor } from "../../src/engine/cache.js";
import { canonical, hashValue } from "../../src/engine/hashing.js";
import type { TaskInput } from "../../src/core/records.js";

describe("stored hashes stay the same", () => {
  it.each([
    [42, "42", "73475cb40a568e8da8a045ced110137e"],
    ["ok", '"ok"', "c48b5b1a9776c84602de2306d7903a72"],
    [null, "null", "74234e98afe7498fb5daf1f36ac2d78a"],
    [undefined, "undefined", "eb045d78d273107348b0300c01d29b75"],
    [-0, "-0", "ed79f26d03f412bde3db206601a698e0"],
    [[1, "a"], '[1,"a"]', "2010945388e2de98f5651051478912aa"],
    [{ b: 2, a: [1] }, '{"a":[1],"b":2}', "ef251833a4268e6926e8f6e65cc6a85c"],
  ])("the input %j", (value, text, hash) => {
    expect(canonical(value)).toBe(text);
    expect(hashValue(value)).toBe(hash);
  });

  const inputs: TaskInput[] = [
    { name: "x", kind: "value", hash: "73475cb40a568e8da8a045ced110137e" },
    { name: "waitFor", kind: "wait_for", taskRunId: "t" },
    { name: "y", kind: "value", hash: "c48b5b1a9776c84602de2306d7903a72" },
  ];
  it.each([
    ["inputs", "598b806cacf6a6f8d300d07b4c1b957f", "b1e0510ce318d8b9d64d8a3bf3c569ed"],
    ["source", "6446c4d4dc8854de8fe70e12a35f3174", "33b3b3b17313034b2c1839f117f44915"],
    ["inputs+source", "4a2dd1212b091ba549af9d7fef2402bc", "221bb4d55b15e0f7147203dabffe6d34"],
  ] as const)("the cache key under policy %s, global and scoped to a run", (policy, global, run) => {
    expect(cacheKeyFor({ taskName: "t", policy, scope: "global", flowRunId: null, sourceHash: "src", inputs }, undefined)).toBe(global);
    expect(cacheKeyFor({ taskName: "t", policy, scope: "run", flowRunId: "f1", sourceHash: "src", inputs }, undefined)).toBe(run);
  });

  it("an input without a hash means no key; policy none means no key", () => {
    expect(cacheKeyFor({ taskName: "t", policy: "inputs", scope: "global", flowRunId: null, sourceHash: "src", inputs: [{ name: "x", kind: "value" }] }, undefined)).toBeNull();
    expect(cacheKeyFor({ taskName: "t", policy: "source", scope: "global", flowRunId: null, sourceHash: "src", inputs: [{ name: "x", kind: "value" }] }, undefined)).toBeNull();
    expect(cacheKeyFor({ taskName: "t", policy: "none", scope: "global", flowRunId: null, sourceHash: "src", inputs }, undefined)).toBeNull();
  });

  it("calls in a row that differ only in their flow run, task or source get the keys each gets alone", () => {
    const key = (flowRunId: string, taskName = "t", sourceHash = "src") =>
      cacheKeyFor({ taskName, policy: "inputs+source", scope: "run", flowRunId, sourceHash, inputs }, undefined);
    const f2 = key("f2");
    const other = key("f1", "u");
    const changed = key("f1", "t", "src2");
    expect(key("f1")).toBe("221bb4d55b15e0f7147203dabffe6d34");
    expect(new Set([f2, other, changed, key("f1")]).size).toBe(4);
    expect(key("f2")).toBe(f2);
    expect(key("f1", "u")).toBe(other);
  });
});
