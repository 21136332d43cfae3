import { expect, test } from "vitest";
import { describeSchedule, parseSchedule, type ScheduleInput } from "../../src/schedule/index.js";

test.each<{ input: ScheduleInput; text: string }>([
  { input: { kind: "interval", every: "1d", anchor: "2025-01-06T12:00", timezone: "Europe/Berlin" }, text: "every day at 12:00, from 2025-01-06 12:00 (Europe/Berlin)" },
  { input: { kind: "interval", every: "2d" }, text: "every 2 days at 00:00 (UTC)" },
  { input: { kind: "interval", every: "90m" }, text: "every 90 minutes (UTC)" },
  { input: { kind: "interval", every: "1h" }, text: "every hour (UTC)" },
  { input: { kind: "interval", every: 3661 }, text: "every 1h1m1s (UTC)" },
  { input: { kind: "interval", every: "1500ms", active: false }, text: "every 1500 milliseconds (UTC), paused" },
  { input: { kind: "cron", expression: "0 12 * * *", timezone: "Europe/Berlin" }, text: 'cron "0 12 * * *": at 12:00 every day (Europe/Berlin)' },
  { input: { kind: "cron", expression: "*/15 * * * *" }, text: 'cron "*/15 * * * *": every 15 minutes (UTC)' },
  { input: { kind: "cron", expression: "30 9 * * 1-5" }, text: 'cron "30 9 * * 1-5": at 09:30 on Mon–Fri (UTC)' },
  { input: { kind: "cron", expression: "0 6 1 * *" }, text: 'cron "0 6 1 * *": at 06:00 on day 1 of every month (UTC)' },
  { input: { kind: "cron", expression: "5 * * * *" }, text: 'cron "5 * * * *": at minute 5 of every hour (UTC)' },
  { input: { kind: "cron", expression: "0 9-17 * 1 *" }, text: 'cron "0 9-17 * 1 *" (UTC)' },
  {
    input: { kind: "rrule", rule: "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin" },
    text: 'rrule "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0": every week on Monday, Wednesday at 9 (Europe/Berlin)',
  },
])("describeSchedule() says $text", ({ input, text }) => {
  expect(describeSchedule(parseSchedule(input))).toBe(text);
});
