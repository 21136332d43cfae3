// One line of human text per schedule, for `deployments ls|inspect` and the terminal UI.

import { DateTime } from "luxon";
import { assertNever } from "../core/states.js";
import { describeCron } from "./cron-describe.js";
import { defaultAnchor } from "./interval-schedule.js";
import { rruleText } from "./rrule-schedule.js";
import type { IntervalSchedule, Schedule } from "./types.js";

const UNITS: ReadonlyArray<[seconds: number, singular: string, short: string]> = [
  [604_800, "week", "w"],
  [86_400, "day", "d"],
  [3_600, "hour", "h"],
  [60, "minute", "m"],
  [1, "second", "s"],
];

/** "day", "2 days", "90 minutes" in the largest unit that divides it; "1h1m1s" when that would be a long number. */
function describeEvery(seconds: number): string {
  if (!Number.isInteger(seconds)) return `${Math.round(seconds * 1000)} milliseconds`;
  const [size, singular] = UNITS.find(([s]) => seconds % s === 0) ?? UNITS[UNITS.length - 1];
  const n = seconds / size;
  if (n === 1) return singular;
  if (n <= 120) return `${n} ${singular}s`;
  let rest = seconds;
  let text = "";
  for (const [unit, , short] of UNITS) {
    if (rest >= unit) {
      text += `${Math.floor(rest / unit)}${short}`;
      rest %= unit;
    }
  }
  return text;
}

function describeInterval(schedule: IntervalSchedule): string {
  const zone = schedule.timezone;
  const anchor = DateTime.fromMillis(schedule.anchor ? Date.parse(schedule.anchor) : defaultAnchor(zone), { zone });
  let text = `every ${describeEvery(schedule.every)}`;
  if (schedule.every % 86_400 === 0) text += ` at ${anchor.toFormat("HH:mm")}`;
  if (schedule.anchor) text += `, from ${anchor.toFormat("yyyy-MM-dd HH:mm")}`;
  return text;
}

/**
 * One line, e.g. `every day at 12:00 (Europe/Berlin)`, `cron "*\/15 * * * *": every 15 minutes (UTC)`,
 * `rrule "FREQ=WEEKLY;BYDAY=MO": every week on Monday (UTC), paused`.
 */
export function describeSchedule(schedule: Schedule): string {
  let text: string;
  switch (schedule.kind) {
    case "interval":
      text = describeInterval(schedule);
      break;
    case "cron": {
      const words = describeCron(schedule.expression);
      text = `cron "${schedule.expression}"${words ? `: ${words}` : ""}`;
      break;
    }
    case "rrule": {
      const words = rruleText(schedule);
      text = `rrule "${schedule.rule.replace(/\s+/g, " ")}"${words ? `: ${words}` : ""}`;
      break;
    }
    default:
      return assertNever(schedule, "schedule kind");
  }
  return `${text} (${schedule.timezone})${schedule.active ? "" : ", paused"}`;
}
