import { describe, expect, test } from "vitest";
import { localTimes } from "./helpers.js";

describe("rrule nextRunTimes()", () => {
  test.each([
    {
      name: "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0 in Europe/Berlin stays at 09:00 local across DST",
      input: { kind: "rrule" as const, rule: "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin" },
      after: "2025-03-20T00:00:00Z",
      expected: ["2025-03-24 09:00 +01:00", "2025-03-26 09:00 +01:00", "2025-03-31 09:00 +02:00", "2025-04-02 09:00 +02:00"],
    },
    {
      name: "the same rule in America/New_York",
      input: { kind: "rrule" as const, rule: "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", timezone: "America/New_York" },
      after: "2025-03-05T00:00:00Z",
      expected: ["2025-03-05 09:00 -05:00", "2025-03-10 09:00 -04:00"],
    },
    {
      name: "DTSTART with TZID sets zone and phase; COUNT ends the rule",
      input: { kind: "rrule" as const, rule: "DTSTART;TZID=Europe/Berlin:20250101T083000\nRRULE:FREQ=DAILY;INTERVAL=10;COUNT=3" },
      after: "2024-12-01T00:00:00Z",
      expected: ["2025-01-01 08:30 +01:00", "2025-01-11 08:30 +01:00", "2025-01-21 08:30 +01:00"],
      count: 5,
    },
    {
      name: "a UTC UNTIL is an instant: the run at 09:00 local on the UNTIL day is after it and left out",
      input: { kind: "rrule" as const, rule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;UNTIL=20250103T075959Z", timezone: "Europe/Berlin" },
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-01 09:00 +01:00", "2025-01-02 09:00 +01:00"],
      count: 5,
    },
    {
      name: "the last day of each month at 18:00 in Tokyo",
      input: { kind: "rrule" as const, rule: "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18", timezone: "Asia/Tokyo" },
      after: "2025-01-05T00:00:00Z",
      expected: ["2025-01-31 18:00 +09:00", "2025-02-28 18:00 +09:00", "2025-03-31 18:00 +09:00"],
    },
    {
      name: "hourly on the October change: the repeated 02:00 runs once, at its first occurrence",
      input: { kind: "rrule" as const, rule: "FREQ=HOURLY", timezone: "Europe/Berlin" },
      after: "2025-10-25T23:30:00Z",
      expected: ["2025-10-26 02:00 +02:00", "2025-10-26 03:00 +01:00"],
    },
    {
      name: "hourly on the March change: the missing 02:00 is not a second 03:00",
      input: { kind: "rrule" as const, rule: "FREQ=HOURLY", timezone: "Europe/Berlin" },
      after: "2025-03-29T23:30:00Z",
      expected: ["2025-03-30 01:00 +01:00", "2025-03-30 03:00 +02:00", "2025-03-30 04:00 +02:00"],
    },
    {
      name: "without DTSTART, INTERVAL counts from 2001-01-01 (a Monday): every other week on Monday",
      input: { kind: "rrule" as const, rule: "FREQ=WEEKLY;INTERVAL=2", timezone: "UTC" },
      after: "2025-01-01T00:00:00Z",
      expected: ["2025-01-13 00:00 +00:00", "2025-01-27 00:00 +00:00"],
    },
    {
      name: "yearly with a DTSTART on the 31st (not fast-forwarded) still lands on each year's date",
      input: { kind: "rrule" as const, rule: "DTSTART:20010131T070000Z\nRRULE:FREQ=YEARLY", timezone: "UTC" },
      after: "2025-02-01T00:00:00Z",
      expected: ["2026-01-31 07:00 +00:00", "2027-01-31 07:00 +00:00"],
    },
  ])("$name", ({ input, after, expected, count }) => {
    expect(localTimes(input, after, count ?? expected.length, input.timezone ?? "Europe/Berlin")).toEqual(expected);
  });
});
