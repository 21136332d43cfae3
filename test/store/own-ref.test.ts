// Small results that are not objects are their own ref (serialize.ts ownRef): every such value comes back exactly,
// and a damaged one is refused like a result whose bytes no longer match their hash.

import { describe, expect, it } from "vitest";
import { deserializeResult, isOwnRef, ownRef, serializeResult, valueOfOwnRef } from "../../src/store/serialize.js";

describe("own refs", () => {
  const values: Array<[string, unknown]> = [
    ["an integer", 42],
    ["a negative fraction", -1.5],
    ["minus zero", -0],
    ["NaN", NaN],
    ["Infinity", -Infinity],
    ["the largest double", Number.MAX_VALUE],
    ["the smallest double", Number.MIN_VALUE],
    ["true", true],
    ["false", false],
    ["null", null],
    ["undefined", undefined],
    ["the empty string", ""],
    ["a string with quotes and a newline", 'say "hi"\n'],
    ["a string that looks like a number", "42"],
    ["a string with a lone surrogate", "a\ud800b"],
    ["an emoji", "🙂"],
  ];
  it.each(values)("%s comes back exactly from its own ref", (_what, value) => {
    const { bytes, ref } = serializeResult(value);
    expect(bytes).toBeNull();
    expect(isOwnRef(ref)).toBe(true);
    expect(ref.length).toBeLessThanOrEqual(64);
    expect(Object.is(valueOfOwnRef(ref), value)).toBe(true);
    expect(Object.is(deserializeResult(Buffer.alloc(0), ref), value)).toBe(true);
  });

  const stored: Array<[string, unknown]> = [
    ["an object, however small", { a: 1 }],
    ["an array", [1]],
    ["a bigint", 10n],
    ["a string of 64 characters", "x".repeat(64)],
    ["a short string that grows past 64 as JSON", '"'.repeat(40)],
  ];
  it.each(stored)("%s is stored under its sha256", (_what, value) => {
    expect(ownRef(value)).toBeNull();
    const { bytes, ref } = serializeResult(value);
    expect(ref).toMatch(/^[0-9a-f]{64}$/);
    expect(deserializeResult(bytes!, ref)).toEqual(value);
  });

  it.each(["=garbage", "=", "= 1", "=1e", '="unterminated', "=0x10"])("the damaged own ref %j is refused as corrupt", (ref) => {
    expect(() => valueOfOwnRef(ref)).toThrow(/is corrupt/);
  });
});
