import { describe, expect, test } from "vitest";
import { localTimes, isoTimes } from "./helpers.js";

const berlin = (expression: string) => ({ kind: "cron" as const, expression, timezone: "Europe/Berlin" });

describe("cron nextRunTimes() in Europe/Berlin across DST", () => {
  test.each([
    {
      name: "30 2 * * * around the last Sunday of March runs 03:30 on the day 02:30 does not exist",
      expression: "30 2 * * *",
      after: "2025-03-28T00:00:00Z",
      expected: ["2025-03-28 02:30 +01:00", "2025-03-29 02:30 +01:00", "2025-03-30 03:30 +02:00", "2025-03-31 02:30 +02:00"],
    },
    {
      name: "30 2 * * * around the last Sunday of October runs once on the day 02:30 happens twice",
      expression: "30 2 * * *",
      after: "2025-10-24T00:00:00Z",
      expected: ["2025-10-24 02:30 +02:00", "2025-10-25 02:30 +02:00", "2025-10-26 02:30 +02:00", "2025-10-27 02:30 +01:00"],
    },
    {
      name: "0 12 * * * stays at local noon across the March change",
      expression: "0 12 * * *",
      after: "2025-03-28T12:00:00Z",
      expected: ["2025-03-29 12:00 +01:00", "2025-03-30 12:00 +02:00", "2025-03-31 12:00 +02:00"],
    },
    {
      name: "0 12 * * * stays at local noon across the October change",
      expression: "0 12 * * *",
      after: "2025-10-25T00:00:00Z",
      expected: ["2025-10-25 12:00 +02:00", "2025-10-26 12:00 +01:00", "2025-10-27 12:00 +01:00"],
    },
    {
      name: "0 * * * * skips the missing hour in March",
      expression: "0 * * * *",
      after: "2025-03-30T00:30:00Z",
      expected: ["2025-03-30 03:00 +02:00", "2025-03-30 04:00 +02:00"],
    },
  ])("$name", ({ expression, after, expected }) => {
    expect(localTimes(berlin(expression), after, expected.length)).toEqual(expected);
  });

  test("0 12 * * * is 11:00 UTC in winter and 10:00 UTC in summer", () => {
    expect(isoTimes(berlin("0 12 * * *"), "2025-03-29T12:00:00Z", 2)).toEqual(["2025-03-30T10:00:00.000Z", "2025-03-31T10:00:00.000Z"]);
  });
});

describe("cron nextRunTimes()", () => {
  test.each([
    { expression: "*/15 * * * *", after: "2025-01-01T10:07:00Z", expected: ["2025-01-01 10:15 +00:00", "2025-01-01 10:30 +00:00"] },
    { expression: "0 9 * * 1-5", after: "2025-01-03T10:00:00Z", expected: ["2025-01-06 09:00 +00:00", "2025-01-07 09:00 +00:00"] },
    { expression: "0 0 1 jan,jul *", after: "2025-02-01T00:00:00Z", expected: ["2025-07-01 00:00 +00:00", "2026-01-01 00:00 +00:00"] },
    { expression: "@daily", after: "2025-01-01T00:00:00Z", expected: ["2025-01-02 00:00 +00:00", "2025-01-03 00:00 +00:00"] },
    { expression: "0 0 29 2 *", after: "2025-01-01T00:00:00Z", expected: ["2028-02-29 00:00 +00:00", "2032-02-29 00:00 +00:00"] },
  ])("'$expression' after $after", ({ expression, after, expected }) => {
    expect(localTimes({ kind: "cron", expression }, after, expected.length)).toEqual(expected);
  });

  test("a time exactly on a match is not returned again (strictly after)", () => {
    expect(isoTimes({ kind: "cron", expression: "0 12 * * *" }, "2025-01-01T12:00:00Z", 1)).toEqual(["2025-01-02T12:00:00.000Z"]);
  });

  test("the same expression in New York and Tokyo gives different instants", () => {
    const ny = isoTimes({ kind: "cron", expression: "0 9 * * *", timezone: "America/New_York" }, "2025-01-01T00:00:00Z", 1);
    const tokyo = isoTimes({ kind: "cron", expression: "0 9 * * *", timezone: "Asia/Tokyo" }, "2025-01-01T00:00:00Z", 1);
    expect(ny).toEqual(["2025-01-01T14:00:00.000Z"]);
    expect(tokyo).toEqual(["2025-01-02T00:00:00.000Z"]);
  });
});
