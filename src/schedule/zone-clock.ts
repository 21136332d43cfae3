// Wall-clock time in a zone, fast: UTC offsets cached per 15 minutes, since computing one through Intl costs ~25µs.

import { IANAZone } from "luxon";

const BUCKET_MS = 15 * 60_000; // every real-world offset change falls on a quarter hour
const DAY_MS = 86_400_000;
const MAX_CACHED = 100_000;

const zones = new Map<string, IANAZone>();
const offsets = new Map<string, number>();

/** The zone's UTC offset in ms at an instant. */
export function offsetAt(zone: string, instant: number): number {
  const bucket = Math.floor(instant / BUCKET_MS);
  const key = `${zone}|${bucket}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    let iana = zones.get(zone);
    if (!iana) zones.set(zone, (iana = IANAZone.create(zone)));
    offset = iana.offset(bucket * BUCKET_MS) * 60_000;
    if (offsets.size >= MAX_CACHED) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** An instant as "floating" time: a number whose UTC fields are the wall clock in `zone`. */
export function toWallClock(instant: number, zone: string): number {
  return instant + offsetAt(zone, instant);
}

/**
 * A floating wall-clock time placed in `zone`. A time skipped when clocks go forward moves forward by the gap
 * (02:30 → 03:30), as luxon and cron-parser do; a time that happens twice when clocks go back is the first
 * of the two, as RFC 5545 says. Assumes at most one offset change within a day, true of every real zone.
 */
export function fromWallClock(wall: number, zone: string): number {
  const before = wall - offsetAt(zone, wall - DAY_MS);
  const after = wall - offsetAt(zone, wall + DAY_MS);
  const beforeFits = toWallClock(before, zone) === wall;
  const afterFits = toWallClock(after, zone) === wall;
  if (beforeFits && afterFits) return Math.min(before, after);
  if (beforeFits) return before;
  if (afterFits) return after;
  return before;
}
