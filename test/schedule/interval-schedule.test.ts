import { describe, expect, test } from "vitest";
import { nextRunTimes, parseSchedule } from "../../src/schedule/index.js";
import { isoTimes, localTimes } from "./helpers.js";

describe("interval nextRunTimes()", () => {
  test.each([
    {
      name: "a daily interval anchored at 12:00 Europe/Berlin stays at 12:00 local across the March change",
      input: { kind: "interval" as const, every: "1d", anchor: "2025-01-06T12:00", timezone: "Europe/Berlin" },
      after: "2025-03-28T12:00:00Z",
      expected: ["2025-03-29 12:00 +01:00", "2025-03-30 12:00 +02:00", "2025-03-31 12:00 +02:00"],
    },
    {
      name: "a daily interval anchored at 12:00 Europe/Berlin stays at 12:00 local across the October change",
      input: { kind: "interval" as const, every: 86400, anchor: "2025-01-06T12:00", timezone: "Europe/Berlin" },
      after: "2025-10-25T00:00:00Z",
      expected: ["2025-10-25 12:00 +02:00", "2025-10-26 12:00 +01:00", "2025-10-27 12:00 +01:00"],
    },
    {
      name: "a weekly interval keeps the anchor's weekday and local time",
      input: { kind: "interval" as const, every: "1w", anchor: "2025-03-03T08:00", timezone: "Europe/Berlin" },
      after: "2025-03-20T00:00:00Z",
      expected: ["2025-03-24 08:00 +01:00", "2025-03-31 08:00 +02:00"],
    },
    {
      name: "a 2-day interval keeps the anchor's phase",
      input: { kind: "interval" as const, every: "2d", anchor: "2025-01-01T06:00", timezone: "UTC" },
      after: "2025-01-04T07:00:00Z",
      expected: ["2025-01-05 06:00 +00:00", "2025-01-07 06:00 +00:00"],
    },
    {
      name: "a 12h interval is fixed elapsed time, so local time shifts by the DST hour",
      input: { kind: "interval" as const, every: "12h", anchor: "2025-03-29T12:00", timezone: "Europe/Berlin" },
      after: "2025-03-29T12:00:00Z",
      expected: ["2025-03-30 00:00 +01:00", "2025-03-30 13:00 +02:00", "2025-03-31 01:00 +02:00"],
    },
    {
      name: "without an anchor a daily interval runs at local midnight (anchor 2020-01-01 in the zone)",
      input: { kind: "interval" as const, every: "1d", timezone: "Asia/Tokyo" },
      after: "2025-06-01T00:00:00Z",
      expected: ["2025-06-02 00:00 +09:00", "2025-06-03 00:00 +09:00"],
    },
    {
      name: "an anchor in the future still aligns times before it",
      input: { kind: "interval" as const, every: "1h", anchor: "2030-01-01T00:30:00Z", timezone: "UTC" },
      after: "2025-01-01T10:00:00Z",
      expected: ["2025-01-01 10:30 +00:00", "2025-01-01 11:30 +00:00"],
    },
  ])("$name", ({ input, after, expected }) => {
    expect(localTimes(input, after, expected.length)).toEqual(expected);
  });

  test("an interval of 2s with an anchor gives times 2s apart, strictly after `after`", () => {
    expect(isoTimes({ kind: "interval", every: "2s", anchor: "2025-01-01T00:00:00Z" }, "2025-01-01T00:00:04Z", 3)).toEqual([
      "2025-01-01T00:00:06.000Z",
      "2025-01-01T00:00:08.000Z",
      "2025-01-01T00:00:10.000Z",
    ]);
  });

  test("count 0 gives no times and times ascend", () => {
    const schedule = parseSchedule({ kind: "interval", every: "90m" });
    expect(nextRunTimes(schedule, new Date("2025-01-01T00:00:00Z"), 0)).toEqual([]);
    const times = nextRunTimes(schedule, new Date("2025-01-01T00:00:00Z"), 10).map((d) => d.getTime());
    expect(times.every((t, i) => i === 0 || t - times[i - 1] === 90 * 60_000)).toBe(true);
  });
});
