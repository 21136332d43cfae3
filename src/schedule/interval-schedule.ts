// Interval schedules: run times at anchor + k × every, in calendar days across DST when the interval is whole days.

import { DateTime } from "luxon";
import { CellflowError } from "../core/errors.js";
import { parseDuration } from "../core/duration.js";
import type { IntervalSchedule } from "./types.js";
import { fromWallClock, toWallClock } from "./zone-clock.js";

const DAY_SECONDS = 86_400;
const DAY_MS = DAY_SECONDS * 1000;

/** Turn "1h", "2d" or a number of seconds into a positive number of seconds, or throw a SCHEDULE error. */
export function parseInterval(every: string | number): number {
  let ms: number;
  try {
    ms = parseDuration(every, "interval");
  } catch (error) {
    throw new CellflowError(
      "SCHEDULE",
      `interval '${String(every)}' is not a duration`,
      'use a number of seconds or units like "30s", "15m", "1h", "1d"',
      { cause: error },
    );
  }
  if (!(ms > 0)) {
    throw new CellflowError("SCHEDULE", `interval '${String(every)}' must be longer than zero`, 'use e.g. "1m" or "1h"');
  }
  return ms / 1000;
}

/**
 * Read an anchor: a Date, an epoch in ms, or an ISO date-time (wall-clock time in `zone` when it has no offset).
 * Returns the ISO form with its offset, so stored schedules keep the instant and the zone's local time.
 */
export function parseAnchor(anchor: string | number | Date, zone: string): string {
  let at: DateTime;
  if (anchor instanceof Date) at = DateTime.fromJSDate(anchor, { zone });
  else if (typeof anchor === "number") at = DateTime.fromMillis(anchor, { zone });
  else if (typeof anchor === "string") at = DateTime.fromISO(anchor.trim(), { zone, setZone: false });
  else at = DateTime.invalid("not a date");
  if (!at.isValid) {
    throw new CellflowError(
      "SCHEDULE",
      `interval anchor '${String(anchor)}' is not a date-time`,
      'use an ISO date-time like "2025-01-06T12:00" (read in the schedule\'s time zone)',
    );
  }
  return at.setZone(zone).toISO() as string;
}

/** The default anchor: midnight of 2020-01-01 in the zone, so "1d" runs at local midnight. */
export function defaultAnchor(zone: string): number {
  return fromWallClock(Date.UTC(2020, 0, 1), zone);
}

/** The next `count` times strictly after `after`, aligned to the anchor. */
export function nextIntervalTimes(schedule: IntervalSchedule, after: Date, count: number): Date[] {
  const zone = schedule.timezone;
  const anchor = schedule.anchor ? Date.parse(schedule.anchor) : defaultAnchor(zone);
  const anchorWall = toWallClock(anchor, zone);
  const everyMs = schedule.every * 1000;
  const afterMs = after.getTime();
  const wholeDays = schedule.every % DAY_SECONDS === 0 ? schedule.every / DAY_SECONDS : 0;

  // Calendar days keep the anchor's local time across DST; anything else is fixed elapsed time.
  const at = (k: number): number =>
    wholeDays > 0 ? fromWallClock(anchorWall + k * wholeDays * DAY_MS, zone) : anchor + k * everyMs;

  // Estimate k from elapsed time, then step so that at(k) is the first time after `after`.
  // A DST shift moves a calendar-day time by at most a few hours, so this corrects in a step or two.
  let k = Math.floor((afterMs - anchor) / everyMs);
  while (at(k) <= afterMs) k += 1;
  while (at(k - 1) > afterMs) k -= 1;

  const times: Date[] = [];
  for (let i = 0; i < count; i += 1) times.push(new Date(at(k + i)));
  return times;
}
