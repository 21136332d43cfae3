// The shortest gap a schedule may have between runs (1 s unless CELLFLOW_MIN_SCHEDULE_INTERVAL says otherwise):
// a sub-second interval or a dense RRULE would flood the store with runs.

import { CellflowError } from "../core/errors.js";
import { parseDuration } from "../core/duration.js";

/** The environment variable that sets the minimum, as a duration ("1s", "500ms", "1m"). */
export const MIN_INTERVAL_ENV = "CELLFLOW_MIN_SCHEDULE_INTERVAL";
const DEFAULT_MIN_MS = 1000;

/** The minimum gap between two runs of one schedule, in ms. @default 1000 */
export function minScheduleIntervalMs(): number {
  const raw = process.env[MIN_INTERVAL_ENV];
  if (raw === undefined || raw.trim() === "") return DEFAULT_MIN_MS;
  let ms: number;
  try {
    ms = parseDuration(raw, MIN_INTERVAL_ENV);
  } catch (error) {
    throw new CellflowError("SCHEDULE", `${MIN_INTERVAL_ENV}='${raw.slice(0, 40)}' is not a duration`, 'set it like "1s", "500ms" or "1m"', { cause: error });
  }
  if (!(ms > 0)) throw new CellflowError("SCHEDULE", `${MIN_INTERVAL_ENV} must be longer than zero, got '${raw}'`, 'set it like "1s"');
  return ms;
}

/** Refuse a schedule whose runs come closer together than the minimum; `what` names it in the message. */
export function checkMinimumGap(what: string, gapMs: number): void {
  const min = minScheduleIntervalMs();
  if (gapMs >= min) return;
  throw new CellflowError(
    "SCHEDULE",
    `${what} runs ${short(gapMs)} apart, more often than the minimum schedule interval of ${short(min)}`,
    `use a longer interval, or lower the minimum with ${MIN_INTERVAL_ENV} (e.g. 500ms)`,
  );
}

/** The smallest gap between consecutive times (Infinity for fewer than two). */
export function smallestGap(times: readonly Date[]): number {
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i].getTime() - times[i - 1].getTime());
  return gap;
}

/** "250ms", "2s", "1.5s", "5m": durations as a user would write them. */
function short(ms: number): string {
  if (ms < 1000) return `${Math.round(ms * 1000) / 1000}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
