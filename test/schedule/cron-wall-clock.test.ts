import { CronExpressionParser } from "cron-parser";
import { DateTime } from "luxon";
import { expect, test } from "vitest";
import { nextRunTimes, parseSchedule } from "../../src/schedule/index.js";

// nextRunTimes() matches cron on wall-clock time and places it in the zone, falling back to cron-parser in the
// zone only when the offset changes in the window. Both must agree everywhere, DST nights included.
const ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo"];
const EXPRESSIONS = ["30 2 * * *", "0 12 * * *", "*/20 * * * *", "0 * * * *", "15 1-3 * * *", "0 0 1 * *", "0 9 * * 1-5", "45 23 * * 0"];
const AFTERS = [
  "2025-03-29T22:00:00Z", // Europe springs forward
  "2025-10-25T22:00:00Z", // Europe falls back
  "2025-03-08T20:00:00Z", // United States springs forward
  "2025-11-01T20:00:00Z", // United States falls back
  "2025-04-05T12:00:00Z", // Sydney falls back
  "2025-10-04T12:00:00Z", // Sydney springs forward
  "2025-06-15T08:17:00Z", // an ordinary day
];

const cases = ZONES.flatMap((timezone) => EXPRESSIONS.flatMap((expression) => AFTERS.map((after) => ({ timezone, expression, after }))));

// Each schedule is parsed once, by its first case: parsing checks the minimum gap between runs (tens of ms), the same
// for every 'after', and what these cases compare is the times that follow.
const parsed = new Map<string, ReturnType<typeof parseSchedule>>();
function schedule(expression: string, timezone: string): ReturnType<typeof parseSchedule> {
  const key = `${expression}|${timezone}`;
  let found = parsed.get(key);
  if (!found) parsed.set(key, (found = parseSchedule({ kind: "cron", expression, timezone })));
  return found;
}

test.each(cases)("'$expression' in $timezone after $after agrees with cron-parser", ({ timezone, expression, after }) => {
  const ours = nextRunTimes(schedule(expression, timezone), new Date(after), 8).map((d) => d.toISOString());
  const cron = CronExpressionParser.parse(expression, { currentDate: new Date(after), tz: timezone });
  const theirs = Array.from({ length: 8 }, () => cron.next().toDate().toISOString());
  expect(ours).toEqual(theirs);
});

// Lord Howe Island moves its clocks by 30 minutes. In April cron-parser gives up ("loop limit exceeded") and
// wall-clock placement answers: the repeated 01:30 runs once. In October cron-parser answers: the skipped 02:00–02:29 has no runs.
test.each([
  { after: "2025-04-05T14:00:00Z", expected: ["2025-04-06 01:30 +11:00", "2025-04-06 02:00 +10:30", "2025-04-06 02:30 +10:30", "2025-04-06 03:00 +10:30"] },
  { after: "2025-10-04T14:30:00Z", expected: ["2025-10-05 01:30 +10:30", "2025-10-05 03:00 +11:00", "2025-10-05 03:30 +11:00", "2025-10-05 04:00 +11:00"] },
])("'*/30 * * * *' in Australia/Lord_Howe across its 30-minute DST change after $after", ({ after, expected }) => {
  const times = nextRunTimes(parseSchedule({ kind: "cron", expression: "*/30 * * * *", timezone: "Australia/Lord_Howe" }), new Date(after), 4);
  expect(times.map((d) => DateTime.fromJSDate(d, { zone: "Australia/Lord_Howe" }).toFormat("yyyy-MM-dd HH:mm ZZ"))).toEqual(expected);
});
