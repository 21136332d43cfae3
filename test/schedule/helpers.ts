// Helpers for schedule tests: run a schedule from an instant and read results as wall-clock text in a zone.

import { DateTime } from "luxon";
import { nextRunTimes, parseSchedule, type ScheduleInput } from "../../src/schedule/index.js";

/** Next run times as "yyyy-MM-dd HH:mm ZZZZ" in the given zone, e.g. "2025-03-30 03:30 GMT+2". */
export function localTimes(input: ScheduleInput, afterIso: string, count: number, zone = input.timezone ?? "UTC"): string[] {
  return nextRunTimes(parseSchedule(input), new Date(afterIso), count).map((d) =>
    DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd HH:mm ZZ"),
  );
}

export function isoTimes(input: ScheduleInput, afterIso: string, count: number): string[] {
  return nextRunTimes(parseSchedule(input), new Date(afterIso), count).map((d) => d.toISOString());
}
