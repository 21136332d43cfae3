// Durations as users write them ("30s", "5m", "1h30m", "1d", or a number of seconds) turned into milliseconds.

import { CellflowError } from "./errors.js";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

/**
 * Parse a duration into milliseconds.
 * @example parseDuration("5m") // 300000
 * @example parseDuration(30)   // 30000 (numbers are seconds)
 */
export function parseDuration(value: string | number, what = "duration"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new CellflowError("BAD_DURATION", `${what} must be a non-negative number of seconds, got ${value}`, 'write e.g. 30 or "30s"');
    }
    return value * 1000;
  }
  const text = String(value).trim().replace(/\s+/g, "");
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!WHOLE.test(text)) {
    throw new CellflowError(
      "BAD_DURATION",
      `${what} "${value}" is not a duration`,
      'use a number of seconds or units ms, s, m, h, d, w, e.g. "30s", "5m", "1h30m", "1d"',
    );
  }
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2]];
  return total;
}

/** A short human form of a duration in ms: "12ms", "3.4s", "2m05s", "1h02m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, "0")}m`;
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/**
 * The time from `start` to `end` in ms, never negative: stored times are wall-clock times, and a clock set back
 * between them (in another process, or before this fix) would otherwise show a negative duration.
 */
export function elapsedMs(start: number, end: number): number {
  return Math.max(0, end - start);
}
