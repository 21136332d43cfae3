// Cron schedules: next run times from cron-parser, read on the wall clock of the schedule's time zone.

import { CronExpressionParser, type CronExpression } from "cron-parser";
import { CellflowError } from "../core/errors.js";
import { checkCronExpression } from "./cron-fields.js";
import type { CronSchedule } from "./types.js";
import { fromWallClock, offsetAt } from "./zone-clock.js";

/** Compile a checked expression; any error cron-parser still finds becomes a SCHEDULE error. */
export function compileCron(expression: string, timezone: string, after: Date): CronExpression {
  const fields = checkCronExpression(expression);
  try {
    return CronExpressionParser.parse(fields, { currentDate: after, tz: timezone, strict: false });
  } catch (error) {
    throw new CellflowError(
      "SCHEDULE",
      `cron expression '${expression}' is invalid: ${(error as Error).message}`,
      "write five fields: minute hour day-of-month month day-of-week, e.g. \"30 2 * * *\"",
      { cause: error },
    );
  }
}

/** cron-parser doing the DST work itself: correct everywhere, but each step costs a few Intl calls. */
function nextInZone(schedule: CronSchedule, zone: string, after: Date, count: number): Date[] {
  const cron = compileCron(schedule.expression, zone, after);
  const times: Date[] = [];
  try {
    while (times.length < count) times.push(cron.next().toDate());
  } catch (error) {
    throw new CellflowError(
      "SCHEDULE",
      `cron expression '${schedule.expression}' has no run time after ${after.toISOString()}: ${(error as Error).message}`,
      "check that the day-of-month, month and day-of-week fields can match a real date",
      { cause: error },
    );
  }
  return times;
}

/** Spare wall-clock matches fetched so that dropping times that DST folds together still leaves `count`. */
const SPARE = 4;

/**
 * The fast path: match on wall-clock time in UTC (no zone lookups), then place each time in the zone.
 * `exact` is false when the zone's offset changes anywhere in the window, where cron-parser's DST rules decide.
 */
function placeWallClock(schedule: CronSchedule, after: Date, count: number): { times: Date[]; exact: boolean } {
  const zone = schedule.timezone;
  let last = after.getTime();
  let previousOffset = offsetAt(zone, last);
  let exact = true;
  const times: Date[] = [];
  for (const wall of nextInZone(schedule, "UTC", new Date(last + previousOffset), count + SPARE)) {
    const at = fromWallClock(wall.getTime(), zone);
    const offset = offsetAt(zone, at);
    if (offset !== previousOffset || at + offset !== wall.getTime()) exact = false;
    previousOffset = offset;
    // A skipped time moved forward can land on (or before) the next one; keep each instant once, in order.
    if (at > last) {
      times.push(new Date(at));
      last = at;
    }
    if (times.length === count) break;
  }
  return { times, exact };
}

/**
 * The next `count` times strictly after `after`. On a spring-forward day a wall-clock time that does not
 * exist (02:30 in Europe/Berlin) runs once an hour later (03:30); on a fall-back day a fixed time runs once,
 * and a job on every hour runs in both copies of the repeated hour (cron-parser's rules).
 */
export function nextCronTimes(schedule: CronSchedule, after: Date, count: number): Date[] {
  const placed = placeWallClock(schedule, after, count);
  if (placed.exact) return placed.times;
  try {
    return nextInZone(schedule, schedule.timezone, after, count);
  } catch (error) {
    // cron-parser loops on DST shifts that are not a whole hour (Australia/Lord_Howe moves 30 minutes);
    // placing wall-clock times is still sound there: skipped times move forward, repeated ones run once.
    if (placed.times.length === count) return placed.times;
    throw error;
  }
}
