// Strict reading of RRULE text: rrule's own parser accepts nonsense (and loops forever on INTERVAL=abc), so check first.

import { CellflowError } from "../core/errors.js";

export const RRULE_EXAMPLE = "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0";
const HINT = `write an iCalendar rule like ${RRULE_EXAMPLE}`;

const FREQS = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"] as const;
const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;

/** A DTSTART line: the wall-clock fields as written, and whether they are UTC ("Z") or in a named zone. */
export interface RRuleStart {
  /** Date.UTC of the written fields. */
  fields: number;
  utc: boolean;
  tzid?: string;
}

export interface CheckedRRule {
  /** The rule part alone, "FREQ=…;…", upper-cased. */
  rule: string;
  freq: (typeof FREQS)[number];
  interval: number;
  hasCount: boolean;
  start?: RRuleStart;
  /** True when UNTIL ends in "Z": it is an instant, not wall-clock time. */
  untilIsUtc: boolean;
}

function fail(text: string, reason: string): never {
  throw new CellflowError("SCHEDULE", `bad RRULE '${text}': ${reason}`, HINT);
}

const intList = (min: number, max: number, signed: boolean) => (value: string): string | null => {
  for (const item of value.split(",")) {
    if (!(signed ? /^[+-]?\d+$/ : /^\d+$/).test(item)) return `'${item}' is not a whole number`;
    const n = Math.abs(Number(item));
    if (n < min || n > max || (signed && Number(item) === 0)) {
      return `${item} is out of range (${signed ? `±${min}-${max}` : `${min}-${max}`})`;
    }
  }
  return null;
};

const positive = (value: string): string | null => (/^[1-9]\d*$/.test(value) ? null : `'${value}' is not a positive whole number`);

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;

function readDateTime(value: string): { fields: number; utc: boolean } | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const fields = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(fields);
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  return { fields, utc: m[7] === "Z" };
}

const PARTS: Record<string, (value: string) => string | null> = {
  FREQ: (v) => ((FREQS as readonly string[]).includes(v) ? null : `FREQ must be one of ${FREQS.join(", ")}, got '${v}'`),
  INTERVAL: positive,
  COUNT: positive,
  UNTIL: (v) => (readDateTime(v) ? null : `UNTIL '${v}' is not a date like 20251231 or 20251231T235959Z`),
  BYSECOND: intList(0, 59, false),
  BYMINUTE: intList(0, 59, false),
  BYHOUR: intList(0, 23, false),
  BYMONTH: intList(1, 12, false),
  BYMONTHDAY: intList(1, 31, true),
  BYYEARDAY: intList(1, 366, true),
  BYWEEKNO: intList(1, 53, true),
  BYSETPOS: intList(1, 366, true),
  BYDAY: (v) => {
    const bad = v.split(",").find((d) => !/^([+-]?[1-9]\d?)?(MO|TU|WE|TH|FR|SA|SU)$/.test(d));
    return bad === undefined ? null : `BYDAY '${bad}' is not a weekday (use ${DAYS.join(", ")}, optionally with an ordinal like 1MO or -1FR)`;
  },
  WKST: (v) => ((DAYS as readonly string[]).includes(v) ? null : `WKST must be one of ${DAYS.join(", ")}, got '${v}'`),
};

function readStart(line: string, text: string): RRuleStart {
  // The TZID keeps its case (zone names are case-sensitive); the rest is read case-insensitively.
  const m = /^DTSTART(?:;TZID=([^:;]+))?:(.+)$/i.exec(line);
  const at = m ? readDateTime(m[2].toUpperCase()) : null;
  if (!m || !at) fail(text, `DTSTART '${line}' is not like DTSTART:20250106T090000 or DTSTART;TZID=Europe/Berlin:20250106T090000`);
  if (m[1] && at.utc) fail(text, "DTSTART has both a TZID and a trailing Z; use one");
  return m[1] ? { ...at, tzid: m[1] } : at;
}

/** Check RRULE text (an optional DTSTART line plus one rule, "RRULE:" optional) and return its parts. */
export function checkRRule(text: string): CheckedRRule {
  if (typeof text !== "string" || text.trim() === "") fail(String(text ?? ""), "the rule is empty");
  const shown = text.trim().replace(/\s+/g, " ");
  let start: RRuleStart | undefined;
  let rule: string | undefined;
  for (const rawLine of text.trim().split(/\s+/)) {
    const line = rawLine.toUpperCase();
    if (line.startsWith("DTSTART;") || line.startsWith("DTSTART:")) {
      if (start) fail(shown, "more than one DTSTART");
      start = readStart(rawLine, shown);
    } else if (line.startsWith("RRULE:") || /^[A-Z]+=/.test(line)) {
      if (rule !== undefined) fail(shown, "more than one RRULE (only one rule and an optional DTSTART are supported)");
      rule = line.replace(/^RRULE:/, "");
    } else {
      fail(shown, `unexpected '${rawLine}' (only one rule and an optional DTSTART are supported)`);
    }
  }
  if (rule === undefined || rule === "") fail(shown, "no rule after DTSTART");

  const seen = new Map<string, string>();
  for (const part of rule.split(";").filter(Boolean)) {
    const eq = part.indexOf("=");
    const key = eq > 0 ? part.slice(0, eq) : part;
    const value = eq > 0 ? part.slice(eq + 1) : "";
    const check = PARTS[key];
    if (!check) fail(shown, `unknown part '${key}' (supported: ${Object.keys(PARTS).join(", ")})`);
    if (seen.has(key)) fail(shown, `${key} is given twice`);
    if (value === "") fail(shown, `${key} has no value`);
    const problem = check(value);
    if (problem) fail(shown, problem.startsWith(key) ? problem : `${key} ${problem}`);
    seen.set(key, value);
  }
  const freq = seen.get("FREQ") as CheckedRRule["freq"] | undefined;
  if (!freq) fail(shown, "FREQ is missing");
  if (seen.has("COUNT") && seen.has("UNTIL")) fail(shown, "COUNT and UNTIL cannot both be given");
  return {
    rule,
    freq,
    interval: Number(seen.get("INTERVAL") ?? 1),
    hasCount: seen.has("COUNT"),
    start,
    untilIsUtc: seen.get("UNTIL")?.endsWith("Z") ?? false,
  };
}
