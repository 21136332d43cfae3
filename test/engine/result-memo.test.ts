// The in-memory result cache's flat columns behave as the Map-as-LRU they replace: same hits, same evictions.

import { describe, expect, it } from "vitest";
import { ResultMemo, type MemoEntry } from "../../src/engine/result-memo.js";

/** The reference: a Map used as an LRU by insertion order, as the engine kept its results before. */
class MapMemo {
  readonly map = new Map<string, MemoEntry>();
  constructor(private readonly limit: number) {}
  set(key: string, entry: MemoEntry): void {
    this.map.delete(key);
    this.map.set(key, entry);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }
}

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

describe("ResultMemo", () => {
  it("keeps a remembered entry's fields as given: ids, refs, null ref, expiry, any value", () => {
    const memo = new ResultMemo(4);
    const value = { rows: [1, 2] };
    memo.set("a".repeat(32), { taskRunId: "0193c2a1-5e2f-7a3b-9c41-2f0e6d1b8a77", flowRunId: "f1", value, resultRef: "e".repeat(64), expires: 1234.5 });
    memo.set("b".repeat(32), { taskRunId: "t2", flowRunId: null, value: 7n, resultRef: null, expires: null });
    const a = memo.get("a".repeat(32))!;
    expect(a).toEqual({ taskRunId: "0193c2a1-5e2f-7a3b-9c41-2f0e6d1b8a77", flowRunId: "f1", value, resultRef: "e".repeat(64), expires: 1234.5 });
    expect(a.value).toBe(value);
    expect(memo.get("b".repeat(32))).toEqual({ taskRunId: "t2", flowRunId: null, value: 7n, resultRef: null, expires: null });
    expect(memo.get("c".repeat(32))).toBeUndefined();
  });

  it("keeps keys and ids that do not fit a column's bytes (long, or beyond Latin-1) exactly", () => {
    const memo = new ResultMemo(3);
    const long = "k".repeat(100);
    const wide = "ключ-🔑";
    memo.set(long, { taskRunId: "id-" + "x".repeat(60), flowRunId: null, value: 1, resultRef: "ref-é-€", expires: null });
    memo.set(wide, { taskRunId: "ид", flowRunId: null, value: 2, resultRef: null, expires: null });
    expect(memo.get(long)).toMatchObject({ taskRunId: "id-" + "x".repeat(60), resultRef: "ref-é-€", value: 1 });
    expect(memo.get(wide)).toMatchObject({ taskRunId: "ид", value: 2 });
    memo.delete(long);
    expect(memo.get(long)).toBeUndefined();
    expect(memo.get(wide)).toMatchObject({ taskRunId: "ид", value: 2 });
  });

  it("keeps Latin-1 keys (é, ÿ) exactly and tells apart keys that differ only in their last character", () => {
    const memo = new ResultMemo(4);
    const key = "café-ÿ-".padEnd(32, "0");
    const twin = key.slice(0, 31) + "1";
    const half = key.slice(0, 31) + "€"; // Latin-1 up to its last character
    memo.set(key, { taskRunId: "t-é", flowRunId: null, value: 1, resultRef: "ÿ", expires: null });
    memo.set(half, { taskRunId: "t-€", flowRunId: null, value: 3, resultRef: null, expires: null });
    expect(memo.get(key)).toMatchObject({ taskRunId: "t-é", resultRef: "ÿ", value: 1 });
    expect(memo.get(twin)).toBeUndefined();
    expect(memo.get(half)).toMatchObject({ taskRunId: "t-€", value: 3 });
    memo.set(twin, { taskRunId: "t2", flowRunId: null, value: 2, resultRef: null, expires: null });
    expect(memo.get(twin)).toMatchObject({ taskRunId: "t2", value: 2 });
    expect(memo.get(key)).toMatchObject({ value: 1 });
  });

  it("hits and evicts as a Map-as-LRU over 20,000 random remembers, lookups and deletes of colliding keys", () => {
    const limit = 50;
    const memo = new ResultMemo(limit);
    const reference = new MapMemo(limit);
    const next = random(42);
    // 120 distinct keys for 50 places: keys come back after eviction, and probe runs wrap and shift back.
    const key = () => hex(Math.floor(next() * 120), 32);
    for (let i = 0; i < 20_000; i++) {
      const r = next();
      const k = key();
      if (r < 0.6) {
        const entry: MemoEntry = { taskRunId: hex(i, 36), flowRunId: i % 3 === 0 ? null : `flow-${i % 5}`, value: i, resultRef: i % 4 === 0 ? null : hex(i * 7, 64), expires: i % 2 === 0 ? null : i };
        memo.set(k, entry);
        reference.set(k, entry);
      } else if (r < 0.95) {
        expect(memo.get(k), `lookup ${i}`).toEqual(reference.map.get(k));
      } else {
        memo.delete(k);
        reference.map.delete(k);
      }
    }
    for (let n = 0; n < 120; n++) expect(memo.get(hex(n, 32))).toEqual(reference.map.get(hex(n, 32)));
  });

  it("forgets everything on clear() and takes entries again after", () => {
    const memo = new ResultMemo(2);
    memo.set("x", { taskRunId: "t", flowRunId: null, value: 1, resultRef: null, expires: null });
    memo.clear();
    expect(memo.get("x")).toBeUndefined();
    memo.set("y", { taskRunId: "u", flowRunId: null, value: 2, resultRef: null, expires: null });
    expect(memo.get("y")?.value).toBe(2);
  });
});
