// RRULE schedules: occurrences computed by rrule on wall-clock ("floating") time, then placed in the schedule's zone.

import rrule from "rrule";
import { CellflowError } from "../core/errors.js";
import { checkRRule, RRULE_EXAMPLE, type CheckedRRule } from "./rrule-check.js";
import type { RRuleSchedule } from "./types.js";
import { fromWallClock, toWallClock } from "./zone-clock.js";

// rrule ships CommonJS only; Node exposes it through the default export.
const { RRule } = rrule;
type RRuleInstance = InstanceType<typeof RRule>;

/** Rules without DTSTART count from here (a Monday, midnight), so their times never depend on "now". */
const DEFAULT_START = Date.UTC(2001, 0, 1);

/** Fixed-length periods in floating time, by FREQ. MONTHLY and YEARLY are stepped in months instead. */
const PERIOD_MS: Partial<Record<CheckedRRule["freq"], number>> = {
  SECONDLY: 1000,
  MINUTELY: 60_000,
  HOURLY: 3_600_000,
  DAILY: 86_400_000,
  WEEKLY: 604_800_000,
};

/** How far back of `after` (in floating time) to start looking, to cover a zone's DST shift. */
const DST_MARGIN_MS = 3 * 3_600_000;

function startInZone(checked: CheckedRRule, zone: string): number {
  if (!checked.start) return DEFAULT_START;
  return checked.start.utc ? toWallClock(checked.start.fields, zone) : checked.start.fields;
}

/**
 * Move the start forward by whole periods so rrule does not walk every occurrence since 2001.
 * Whole periods keep the rule's phase (INTERVAL), weekday and time of day; COUNT needs the true start.
 */
function fastForward(checked: CheckedRRule, start: number, target: number): number {
  if (checked.hasCount || target <= start) return start;
  const period = PERIOD_MS[checked.freq];
  if (period !== undefined) {
    const step = period * checked.interval;
    const periods = Math.floor((target - start) / step) - 1;
    return periods > 0 ? start + periods * step : start;
  }
  const from = new Date(start);
  // A start on the 29th–31st would be clamped by month arithmetic; those rules walk from the start (few steps a year).
  if (from.getUTCDate() > 28) return start;
  const stepMonths = (checked.freq === "YEARLY" ? 12 : 1) * checked.interval;
  const to = new Date(target);
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + (to.getUTCMonth() - from.getUTCMonth());
  const periods = Math.floor(months / stepMonths) - 1;
  if (periods <= 0) return start;
  return Date.UTC(
    from.getUTCFullYear(),
    from.getUTCMonth() + periods * stepMonths,
    from.getUTCDate(),
    from.getUTCHours(),
    from.getUTCMinutes(),
    from.getUTCSeconds(),
  );
}

function compile(checked: CheckedRRule, zone: string, start: number): RRuleInstance {
  try {
    const options = RRule.parseString(checked.rule);
    if (options.until && checked.untilIsUtc) options.until = new Date(toWallClock(options.until.getTime(), zone));
    return new RRule({ ...options, tzid: null, dtstart: new Date(start) });
  } catch (error) {
    throw new CellflowError("SCHEDULE", `bad RRULE '${checked.rule}': ${(error as Error).message}`, `write an iCalendar rule like ${RRULE_EXAMPLE}`, {
      cause: error,
    });
  }
}

/** The next `count` occurrences strictly after `after`, in order, each an instant in the schedule's zone. */
export function nextRRuleTimes(schedule: RRuleSchedule, after: Date, count: number): Date[] {
  const zone = schedule.timezone;
  const checked = checkRRule(schedule.rule);
  const afterMs = after.getTime();
  const from = toWallClock(afterMs, zone) - DST_MARGIN_MS;
  const rule = compile(checked, zone, fastForward(checked, startInZone(checked, zone), from));

  const times: Date[] = [];
  let last = afterMs;
  if (count <= 0) return times;
  rule.all((floating) => {
    if (floating.getTime() < from) return true;
    const at = fromWallClock(floating.getTime(), zone);
    // Skipped wall-clock times land on the next real one; keep each instant once and in order.
    if (at > last) {
      times.push(new Date(at));
      last = at;
    }
    return times.length < count;
  });
  return times;
}

/** English text for the rule ("every week on Monday, Wednesday at 9"), or null when rrule cannot say it. */
export function rruleText(schedule: RRuleSchedule): string | null {
  const checked = checkRRule(schedule.rule);
  const rule = compile(checked, schedule.timezone, startInZone(checked, schedule.timezone));
  return rule.isFullyConvertibleToText() ? rule.toText() : null;
}
