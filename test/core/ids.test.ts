// Time-ordered task run ids: UUIDv7 layout, ordered by their millisecond, unique.

import { describe, expect, it } from "vitest";
import { timeOrderedId } from "../../src/core/ids.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("timeOrderedId", () => {
  it("writes the millisecond as the first 12 hex digits, in UUIDv7 layout", () => {
    const ms = 0x0193c2a15e2f;
    const id = timeOrderedId(ms);
    expect(id).toMatch(UUID_V7);
    expect(id.slice(0, 13)).toBe("0193c2a1-5e2f");
  });

  it("is unique over many ids (across refills of its random pool) and sorts by time", () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => timeOrderedId(1_700_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    const heads = ids.map((id) => id.slice(0, 13));
    expect([...heads].sort()).toEqual(heads);
    // The random part varies in every position it covers.
    for (const at of [15, 16, 17, 19, 20, 21, 22, 24, 30, 35]) expect(new Set(ids.map((id) => id[at])).size).toBeGreaterThan(1);
  });
});
