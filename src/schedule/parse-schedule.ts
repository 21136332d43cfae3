// Validates what a user wrote (CLI flags, a deployment file, stored JSON) into a Schedule; parsing a Schedule returns it unchanged.

import { CellflowError } from "../core/errors.js";
import { compileCron } from "./cron-schedule.js";
import { parseAnchor, parseInterval } from "./interval-schedule.js";
import { checkRRule } from "./rrule-check.js";
import { nextRRuleTimes } from "./rrule-schedule.js";
import { nextCronTimes } from "./cron-schedule.js";
import { checkMinimumGap, smallestGap } from "./min-interval.js";
import { checkTimeZone, DEFAULT_TIME_ZONE } from "./time-zone.js";
import type { CronSchedule, RRuleSchedule, Schedule } from "./types.js";

const KINDS = ["interval", "cron", "rrule"] as const;
/** How many upcoming times of a cron or RRULE schedule are checked against the minimum interval. */
const GAP_SAMPLE = 50;

function readActive(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") {
    throw new CellflowError("SCHEDULE", `schedule field 'active' must be true or false, got ${JSON.stringify(value)}`, "omit it for an active schedule");
  }
  return value;
}

function readString(record: Record<string, unknown>, field: string, kind: string, example: string): string {
  const value = record[field];
  if (typeof value !== "string" || value.trim() === "") {
    throw new CellflowError("SCHEDULE", `${kind} schedule needs '${field}' as a non-empty string`, `e.g. ${example}`);
  }
  return value.trim();
}

/**
 * Validate a schedule. Every problem is a one-line `CellflowError("SCHEDULE", …)` naming the field and the fix.
 * @example parseSchedule({ kind: "cron", expression: "0 12 * * *", timezone: "Europe/Berlin" })
 * @example parseSchedule({ kind: "interval", every: "1d", anchor: "2025-01-06T12:00", timezone: "Europe/Berlin" })
 */
export function parseSchedule(input: unknown): Schedule {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new CellflowError("SCHEDULE", `a schedule must be an object, got ${JSON.stringify(input) ?? String(input)}`, 'e.g. { kind: "cron", expression: "0 12 * * *" }');
  }
  const record = input as Record<string, unknown>;
  const kind = record.kind;
  const active = readActive(record.active);
  const zoneGiven = record.timezone;
  if (zoneGiven !== undefined && typeof zoneGiven !== "string") {
    throw new CellflowError("SCHEDULE", `schedule field 'timezone' must be a string, got ${JSON.stringify(zoneGiven)}`, "use an IANA name like Europe/Berlin");
  }

  switch (kind) {
    case "interval": {
      const timezone = checkTimeZone(zoneGiven ?? DEFAULT_TIME_ZONE);
      const every = record.every;
      if (typeof every !== "string" && typeof every !== "number") {
        throw new CellflowError("SCHEDULE", "interval schedule needs 'every' (a duration or a number of seconds)", 'e.g. every: "1h"');
      }
      const schedule: Schedule = { kind, every: parseInterval(every), timezone, active };
      checkMinimumGap(`interval '${String(every).slice(0, 40)}'`, schedule.every * 1000);
      const anchor = record.anchor;
      if (anchor !== undefined && anchor !== null) {
        if (typeof anchor !== "string" && typeof anchor !== "number" && !(anchor instanceof Date)) {
          throw new CellflowError("SCHEDULE", `interval anchor must be a date-time, got ${JSON.stringify(anchor)}`, 'e.g. anchor: "2025-01-06T12:00"');
        }
        schedule.anchor = parseAnchor(anchor, timezone);
      }
      return schedule;
    }
    case "cron": {
      const timezone = checkTimeZone(zoneGiven ?? DEFAULT_TIME_ZONE);
      const expression = readString(record, "expression", "cron", '"0 12 * * *"').replace(/\s+/g, " ");
      compileCron(expression, timezone, new Date());
      const schedule: CronSchedule = { kind, expression, timezone, active };
      checkMinimumGap(`cron '${expression}'`, smallestGap(nextCronTimes(schedule, new Date(), GAP_SAMPLE)));
      return schedule;
    }
    case "rrule": {
      const rule = readString(record, "rule", "rrule", `"FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0"`);
      const tzid = checkRRule(rule).start?.tzid;
      if (tzid !== undefined && zoneGiven !== undefined && tzid !== zoneGiven) {
        throw new CellflowError(
          "SCHEDULE",
          `RRULE DTSTART time zone '${tzid}' differs from the schedule's time zone '${zoneGiven}'`,
          "drop one of them or make them the same",
        );
      }
      const timezone = checkTimeZone(zoneGiven ?? tzid ?? DEFAULT_TIME_ZONE);
      const schedule: RRuleSchedule = { kind, rule, timezone, active };
      // Compiling once surfaces anything rrule itself refuses, at definition time rather than in the worker.
      // Sampling the next occurrences also catches dense rules (FREQ=SECONDLY, long BYSECOND lists) below the minimum.
      checkMinimumGap(`RRULE '${rule.slice(0, 80)}'`, smallestGap(nextRRuleTimes(schedule, new Date(), GAP_SAMPLE)));
      return schedule;
    }
    default:
      throw new CellflowError(
        "SCHEDULE",
        `unknown schedule kind ${JSON.stringify(kind) ?? "undefined"}`,
        `use one of ${KINDS.join(", ")}`,
      );
  }
}
