// Checks a five-field cron expression field by field so a mistake is reported by field name and allowed range.

import { CellflowError } from "../core/errors.js";

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Three-letter names allowed in place of numbers (months, weekdays). */
  names?: readonly string[];
  /** Extra tokens cron-parser understands for this field (L, 5L, 1#2, ?). */
  special?: RegExp;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] as const;
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

export const CRON_FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, special: /^(\?|L)$/i },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 0, max: 7, names: WEEKDAYS, special: /^(\?|[0-7]L|[0-7]#[1-5])$/i },
];

/** Five-field equivalents of the usual macros. */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const FIX_HINT = "write five fields: minute hour day-of-month month day-of-week, e.g. \"30 2 * * *\"";

function fieldError(message: string): CellflowError {
  return new CellflowError("SCHEDULE", message, FIX_HINT);
}

function readValue(text: string, spec: FieldSpec, token: string): number {
  const lower = text.toLowerCase();
  const named = spec.names?.indexOf(lower) ?? -1;
  if (named >= 0) return spec.name === "month" ? named + 1 : named;
  if (!/^\d+$/.test(text)) {
    throw fieldError(`cron field '${spec.name}' has an invalid value: '${token}'`);
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw fieldError(`cron field '${spec.name}' out of range (${spec.min}-${spec.max}): ${text}`);
  }
  return value;
}

function checkToken(token: string, spec: FieldSpec): void {
  if (token === "") throw fieldError(`cron field '${spec.name}' has an empty list item`);
  if (spec.special?.test(token)) {
    const digit = /^(\d)/.exec(token);
    if (digit) readValue(digit[1], spec, token);
    return;
  }
  const [base, step, extra] = token.split("/");
  if (extra !== undefined) throw fieldError(`cron field '${spec.name}' has an invalid value: '${token}'`);
  if (step !== undefined) {
    if (!/^\d+$/.test(step) || Number(step) === 0) {
      throw fieldError(`cron field '${spec.name}' has an invalid step '${step}' in '${token}' (use a whole number from 1)`);
    }
  }
  if (base === "*") return;
  const [low, high, more] = base.split("-");
  if (more !== undefined || low === "" || high === "") {
    throw fieldError(`cron field '${spec.name}' has an invalid range: '${token}'`);
  }
  const from = readValue(low, spec, token);
  if (high !== undefined) {
    const to = readValue(high, spec, token);
    if (from > to) throw fieldError(`cron field '${spec.name}' range runs backwards: '${base}' (write the smaller value first)`);
  }
}

/**
 * Validate and normalize a cron expression: exactly five fields (or a macro), each in range.
 * Returns the five-field form with single spaces.
 */
export function checkCronExpression(expression: string): string {
  const text = typeof expression === "string" ? expression.trim() : "";
  if (text.startsWith("@")) {
    const macro = CRON_MACROS[text.toLowerCase()];
    if (!macro) {
      throw new CellflowError(
        "SCHEDULE",
        `unknown cron macro '${text}'`,
        `use one of ${Object.keys(CRON_MACROS).join(", ")}, or five fields`,
      );
    }
    return macro;
  }
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== CRON_FIELDS.length) {
    throw fieldError(`cron expression '${String(expression)}' has ${fields.length} field${fields.length === 1 ? "" : "s"}, expected 5`);
  }
  fields.forEach((field, index) => {
    for (const token of field.split(",")) checkToken(token, CRON_FIELDS[index]);
  });
  return fields.join(" ");
}
