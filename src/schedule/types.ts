// The Schedule records a deployment keeps: an interval, a cron expression or an RRULE, each in a time zone.

/** Fields every schedule kind shares. */
interface ScheduleBase {
  /**
   * IANA time zone the schedule's wall-clock times are read in.
   * @default "UTC"
   * @example "Europe/Berlin"
   */
  timezone: string;
  /**
   * A paused schedule keeps its definition but the worker creates no runs from it.
   * `nextRunTimes` ignores this flag; callers decide what a paused schedule means.
   * @default true
   */
  active: boolean;
}

/** Runs at `anchor + k × every` for every integer k. */
export interface IntervalSchedule extends ScheduleBase {
  kind: "interval";
  /**
   * The interval in seconds (numbers are seconds everywhere in Cellflow, so a normalized
   * schedule parses to itself). Whole days step by calendar days in `timezone`.
   * @example 86400 // every day, at the anchor's local time
   */
  every: number;
  /**
   * The instant runs are aligned to, as an ISO date-time with its offset.
   * @default midnight of 2020-01-01 in `timezone`
   * @example "2025-01-06T12:00:00.000+01:00"
   */
  anchor?: string;
}

/** Runs when a five-field cron expression matches the wall clock in `timezone`. */
export interface CronSchedule extends ScheduleBase {
  kind: "cron";
  /**
   * minute hour day-of-month month day-of-week, or a macro (@hourly, @daily, @weekly, @monthly, @yearly).
   * @example "30 2 * * *"
   */
  expression: string;
}

/** Runs at the occurrences of an iCalendar recurrence rule, read in `timezone`. */
export interface RRuleSchedule extends ScheduleBase {
  kind: "rrule";
  /**
   * An RFC 5545 RRULE, optionally with "RRULE:" and a DTSTART line. Without DTSTART the rule
   * counts from 2001-01-01 00:00 (a Monday) in `timezone`, so its times never depend on "now".
   * @example "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0"
   */
  rule: string;
}

export type Schedule = IntervalSchedule | CronSchedule | RRuleSchedule;
export type ScheduleKind = Schedule["kind"];

/** What a user writes (CLI flags, a deployment file, stored JSON): loose, validated by `parseSchedule`. */
export type ScheduleInput =
  | {
      kind: "interval";
      /**
       * A duration string or a number of seconds.
       * @example "1h30m"
       * @example 3600
       */
      every: string | number;
      /**
       * A Date, an epoch in ms, or an ISO date-time; a string without an offset is wall-clock time in `timezone`.
       * @example "2025-01-06T12:00"
       */
      anchor?: string | number | Date;
      timezone?: string;
      active?: boolean;
    }
  | { kind: "cron"; expression: string; timezone?: string; active?: boolean }
  | { kind: "rrule"; rule: string; timezone?: string; active?: boolean };
