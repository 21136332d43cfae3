// The kernel's replay protection cannot roll over: messages must be dated within a window, and a signature seen
// inside it stays refused however many messages come after it.

import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { decode, makeHeader, refused, Signer } from "../../kernel/wire.js";

const KEY = "5f0c1d52-replay-window-test-key";

/** A signed execute_request dated `date`, with its own msg_id (so every message has its own signature). */
function signed(date: Date, code = "1"): Buffer[] {
  const header = { ...makeHeader("execute_request", "s1", "me"), date: date.toISOString() };
  const parts = [header, {}, {}, { code }].map((p) => Buffer.from(JSON.stringify(p)));
  const hmac = createHmac("sha256", KEY);
  for (const p of parts) hmac.update(p);
  return [Buffer.from("client"), Buffer.from("<IDS|MSG>"), Buffer.from(hmac.digest("hex")), ...parts];
}

describe("the kernel's replay window", () => {
  afterEach(() => {
    delete process.env.CELLFLOW_KERNEL_REPLAY_WINDOW_MS;
  });

  it("a captured message replayed after 4,096 and after 10,000 others is still refused", () => {
    const signer = new Signer(KEY);
    const captured = signed(new Date());
    expect(refused(decode(captured, signer))).toBe(false);
    for (let i = 0; i < 4_097; i++) expect(refused(decode(signed(new Date(), `x${i}`), signer))).toBe(false);
    expect(decode(captured, signer)).toEqual({ refused: "replayed signature" });
    for (let i = 0; i < 6_000; i++) decode(signed(new Date(), `y${i}`), signer);
    expect(decode(captured, signer)).toEqual({ refused: "replayed signature" });
  });

  it.each([
    ["10 minutes ago", -10 * 60_000],
    ["10 minutes ahead", 10 * 60_000],
  ])("a correctly signed message dated %s is refused", (_what, offset) => {
    expect(decode(signed(new Date(Date.now() + offset)), new Signer(KEY))).toEqual({ refused: "message dated outside the replay window (±300s)" });
  });

  it("a signed message without a date is refused", () => {
    const parts = [{ msg_id: "m", msg_type: "execute_request", session: "s", username: "u", version: "5.3" }, {}, {}, {}].map((p) => Buffer.from(JSON.stringify(p)));
    const hmac = createHmac("sha256", KEY);
    for (const p of parts) hmac.update(p);
    expect(decode([Buffer.from("<IDS|MSG>"), Buffer.from(hmac.digest("hex")), ...parts], new Signer(KEY))).toEqual({ refused: "header without a date" });
  });

  it("when the remembered signatures overflow inside the window, a forgotten one's message is refused as too old", () => {
    let clock = Date.UTC(2025, 0, 1);
    const signer = new Signer(KEY, { historySize: 8, now: () => clock });
    const captured = signed(new Date(clock));
    expect(refused(decode(captured, signer))).toBe(false);
    for (let i = 0; i < 20; i++) {
      clock += 1;
      expect(refused(decode(signed(new Date(clock), `x${i}`), signer))).toBe(false);
    }
    expect(decode(captured, signer)).toEqual({ refused: "message older than the remembered signatures" });
    clock += 1;
    expect(refused(decode(signed(new Date(clock), "fresh"), signer))).toBe(false);
  });

  it("signatures dated outside the window are forgotten first, without moving the accepted dates", () => {
    let clock = Date.UTC(2025, 0, 1);
    const signer = new Signer(KEY, { historySize: 4, windowMs: 1000, now: () => clock });
    for (let i = 0; i < 4; i++) expect(refused(decode(signed(new Date(clock), `old${i}`), signer))).toBe(false);
    const captured = signed(new Date(clock));
    clock += 2000;
    expect(decode(captured, signer)).toEqual({ refused: "message dated outside the replay window (±1s)" });
    // A fresh message lands in a full memory whose entries all expired: they go, and nothing recent is refused.
    expect(refused(decode(signed(new Date(clock - 500), "late but inside"), signer))).toBe(false);
    expect(refused(decode(signed(new Date(clock - 400), "also inside"), signer))).toBe(false);
  });

  it("CELLFLOW_KERNEL_REPLAY_WINDOW_MS sets the window", () => {
    process.env.CELLFLOW_KERNEL_REPLAY_WINDOW_MS = "2000";
    const signer = new Signer(KEY);
    expect(decode(signed(new Date(Date.now() - 5000)), signer)).toEqual({ refused: "message dated outside the replay window (±2s)" });
    expect(refused(decode(signed(new Date(Date.now() - 1000)), signer))).toBe(false);
  });
});
