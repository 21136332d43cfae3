import { describe, expect, test } from "vitest";
import { CellflowError } from "../../src/core/errors.js";
import { nextRunTimes, parseSchedule, type Schedule } from "../../src/schedule/index.js";

function errorOf(run: () => unknown): CellflowError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CellflowError);
    return error as CellflowError;
  }
  throw new Error("expected a CellflowError, nothing was thrown");
}

describe("parseSchedule() refuses bad input with a one-line SCHEDULE error", () => {
  test.each([
    { input: { kind: "cron", expression: "0 25 * * *" }, message: "cron field 'hour' out of range (0-23): 25" },
    { input: { kind: "cron", expression: "60 * * * *" }, message: "cron field 'minute' out of range (0-59): 60" },
    { input: { kind: "cron", expression: "0 0 0 * *" }, message: "cron field 'day-of-month' out of range (1-31): 0" },
    { input: { kind: "cron", expression: "0 0 * 13 *" }, message: "cron field 'month' out of range (1-12): 13" },
    { input: { kind: "cron", expression: "0 0 * * 8" }, message: "cron field 'day-of-week' out of range (0-7): 8" },
    { input: { kind: "cron", expression: "0 0 * * 9L" }, message: "cron field 'day-of-week' has an invalid value: '9L'" },
    { input: { kind: "cron", expression: "1-70 * * * *" }, message: "cron field 'minute' out of range (0-59): 70" },
    { input: { kind: "cron", expression: "*/0 * * * *" }, message: "cron field 'minute' has an invalid step '0' in '*/0'" },
    { input: { kind: "cron", expression: "0 10-5 * * *" }, message: "cron field 'hour' range runs backwards: '10-5'" },
    { input: { kind: "cron", expression: "0 noon * * *" }, message: "cron field 'hour' has an invalid value: 'noon'" },
    { input: { kind: "cron", expression: "0 1,,2 * * *" }, message: "cron field 'hour' has an empty list item" },
    { input: { kind: "cron", expression: "* * * *" }, message: "cron expression '* * * *' has 4 fields, expected 5" },
    { input: { kind: "cron", expression: "0 * * * * *" }, message: "cron expression '0 * * * * *' has 6 fields, expected 5" },
    { input: { kind: "cron", expression: "@fortnightly" }, message: "unknown cron macro '@fortnightly'" },
    { input: { kind: "cron", expression: "0 0 31 2 *" }, message: "cron expression '0 0 31 2 *' is invalid" },
    { input: { kind: "cron", expression: "" }, message: "cron schedule needs 'expression' as a non-empty string" },
    {
      input: { kind: "cron", expression: "0 12 * * *", timezone: "Mars/Olympus" },
      message: "unknown time zone 'Mars/Olympus' — use an IANA name like Europe/Berlin",
    },
    { input: { kind: "interval", every: "1d", timezone: "CEST+2" }, message: "unknown time zone 'CEST+2'" },
    { input: { kind: "rrule", rule: "FREQ=DAILY", timezone: "" }, message: "unknown time zone ''" },
    { input: { kind: "interval", every: "0s" }, message: "interval '0s' must be longer than zero" },
    { input: { kind: "interval", every: -5 }, message: "interval '-5' is not a duration" },
    { input: { kind: "interval", every: "soon" }, message: "interval 'soon' is not a duration" },
    { input: { kind: "interval" }, message: "interval schedule needs 'every'" },
    { input: { kind: "interval", every: "1h", anchor: "next tuesday" }, message: "interval anchor 'next tuesday' is not a date-time" },
    { input: { kind: "rrule", rule: "FREQ=SOMETIMES" }, message: "bad RRULE 'FREQ=SOMETIMES': FREQ must be one of YEARLY" },
    { input: { kind: "rrule", rule: "FREQ=DAILY;INTERVAL=abc" }, message: "INTERVAL 'ABC' is not a positive whole number" },
    { input: { kind: "rrule", rule: "FREQ=DAILY;BYHOUR=25" }, message: "BYHOUR 25 is out of range (0-23)" },
    { input: { kind: "rrule", rule: "FREQ=WEEKLY;BYDAY=XX" }, message: "BYDAY 'XX' is not a weekday" },
    { input: { kind: "rrule", rule: "FREQ=DAILY;FOO=1" }, message: "unknown part 'FOO'" },
    { input: { kind: "rrule", rule: "BYHOUR=9" }, message: "FREQ is missing" },
    { input: { kind: "rrule", rule: "FREQ=DAILY;COUNT=3;UNTIL=20250101" }, message: "COUNT and UNTIL cannot both be given" },
    { input: { kind: "rrule", rule: "FREQ=DAILY;FREQ=WEEKLY" }, message: "FREQ is given twice" },
    { input: { kind: "rrule", rule: "DTSTART:2025-01-01\nRRULE:FREQ=DAILY" }, message: "DTSTART 'DTSTART:2025-01-01' is not like" },
    { input: { kind: "rrule", rule: "FREQ=DAILY;UNTIL=20250231" }, message: "UNTIL '20250231' is not a date" },
    {
      input: { kind: "rrule", rule: "DTSTART;TZID=Europe/Berlin:20250101T090000\nRRULE:FREQ=DAILY", timezone: "UTC" },
      message: "RRULE DTSTART time zone 'Europe/Berlin' differs from the schedule's time zone 'UTC'",
    },
    { input: { kind: "rrule", rule: "EXDATE:20250101\nRRULE:FREQ=DAILY" }, message: "unexpected 'EXDATE:20250101'" },
    { input: { kind: "weekly" }, message: 'unknown schedule kind "weekly" — use one of interval, cron, rrule' },
    { input: "0 12 * * *", message: "a schedule must be an object" },
    { input: { kind: "cron", expression: "0 12 * * *", active: "yes" }, message: "schedule field 'active' must be true or false" },
  ])("$message", ({ input, message }) => {
    const error = errorOf(() => parseSchedule(input));
    expect(error.code).toBe("SCHEDULE");
    expect(error.message).toContain(message);
    expect(error.message).not.toContain("\n");
    expect(error.hint.length).toBeGreaterThan(0);
  });
});

describe("parseSchedule()", () => {
  test.each([
    { kind: "interval", every: "1h30m", anchor: "2025-01-06T12:00", timezone: "Europe/Berlin" },
    { kind: "interval", every: 1.5 },
    { kind: "cron", expression: " 0   12 * * * ", timezone: "America/New_York", active: false },
    { kind: "rrule", rule: "DTSTART;TZID=Europe/Berlin:20250101T090000 RRULE:FREQ=DAILY" },
  ])("parsing a parsed $kind schedule gives it back unchanged", (input) => {
    const once = parseSchedule(input);
    expect(parseSchedule(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  test("fills defaults: UTC, active, every in seconds, anchor as ISO with offset", () => {
    expect(parseSchedule({ kind: "interval", every: "1h30m", anchor: "2025-01-06T12:00", timezone: "Europe/Berlin" })).toEqual({
      kind: "interval",
      every: 5400,
      anchor: "2025-01-06T12:00:00.000+01:00",
      timezone: "Europe/Berlin",
      active: true,
    });
    expect(parseSchedule({ kind: "cron", expression: "0 12 * * *" })).toEqual({ kind: "cron", expression: "0 12 * * *", timezone: "UTC", active: true });
  });

  test("an RRULE's DTSTART TZID becomes the schedule's zone when none is given", () => {
    expect(parseSchedule({ kind: "rrule", rule: "DTSTART;TZID=Asia/Tokyo:20250101T090000\nRRULE:FREQ=DAILY" }).timezone).toBe("Asia/Tokyo");
  });

  test("an anchor given as a Date or epoch keeps its instant", () => {
    const at = Date.UTC(2025, 0, 6, 11, 0);
    const anchorOf = (s: Schedule) => (s.kind === "interval" ? s.anchor : undefined);
    expect(anchorOf(parseSchedule({ kind: "interval", every: "1d", anchor: new Date(at), timezone: "Europe/Berlin" }))).toBe("2025-01-06T12:00:00.000+01:00");
    expect(anchorOf(parseSchedule({ kind: "interval", every: "1d", anchor: at }))).toBe("2025-01-06T11:00:00.000Z");
  });

  test("nextRunTimes() refuses an invalid date and a negative count", () => {
    const schedule = parseSchedule({ kind: "cron", expression: "0 12 * * *" });
    expect(errorOf(() => nextRunTimes(schedule, new Date("nope"), 1)).message).toContain("valid 'after' date");
    expect(errorOf(() => nextRunTimes(schedule, new Date(), -1)).message).toContain("whole 'count' of zero or more, got -1");
  });
});
