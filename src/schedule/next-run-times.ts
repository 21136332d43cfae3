// The one question the worker and `deployments inspect` ask of a schedule: when are its next runs?

import { CellflowError } from "../core/errors.js";
import { assertNever } from "../core/states.js";
import { nextCronTimes } from "./cron-schedule.js";
import { nextIntervalTimes } from "./interval-schedule.js";
import { nextRRuleTimes } from "./rrule-schedule.js";
import type { Schedule } from "./types.js";

/**
 * The next `count` run times strictly after `after`, ascending. Fewer when the schedule ends (RRULE COUNT/UNTIL).
 * Does not look at `active`: a paused schedule still has times; the caller decides whether to use them.
 * @example nextRunTimes(parseSchedule({ kind: "cron", expression: "0 12 * * *" }), new Date(), 5)
 */
export function nextRunTimes(schedule: Schedule, after: Date, count: number): Date[] {
  if (!(after instanceof Date) || Number.isNaN(after.getTime())) {
    throw new CellflowError("SCHEDULE", `next run times need a valid 'after' date, got ${String(after)}`, "pass a Date");
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new CellflowError("SCHEDULE", `next run times need a whole 'count' of zero or more, got ${count}`, "pass e.g. 5");
  }
  if (count === 0) return [];
  switch (schedule.kind) {
    case "interval":
      return nextIntervalTimes(schedule, after, count);
    case "cron":
      return nextCronTimes(schedule, after, count);
    case "rrule":
      return nextRRuleTimes(schedule, after, count);
    default:
      return assertNever(schedule, "schedule kind");
  }
}
