// The schedule package's public door: parse, validate, compute next run times and describe schedules.

export type { Schedule, ScheduleInput, ScheduleKind, IntervalSchedule, CronSchedule, RRuleSchedule } from "./types.js";
export { parseSchedule } from "./parse-schedule.js";
export { nextRunTimes } from "./next-run-times.js";
export { describeSchedule } from "./describe-schedule.js";
export { parseInterval } from "./interval-schedule.js";
export { checkCronExpression } from "./cron-fields.js";
export { checkRRule } from "./rrule-check.js";
export { checkTimeZone, DEFAULT_TIME_ZONE } from "./time-zone.js";
