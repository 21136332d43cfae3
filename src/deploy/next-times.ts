// The next run times of a deployment across its active schedules, as `deployments inspect` shows them.

import { nextRunTimes } from "../schedule/index.js";
import { offsetAt } from "../schedule/zone-clock.js";
import type { DeploymentRecord } from "./types.js";

export interface UpcomingRun {
  /** ISO time in the schedule's zone, with its offset. */
  time: string;
  timezone: string;
  /** 1-based schedule position. */
  schedule: number;
  epochMs: number;
}

/** "2025-03-30T03:30:00+02:00": the instant as wall-clock time in `zone` with its offset (luxon's toISO costs ~40µs). */
export function isoInZone(instant: number, zone: string): string {
  const offset = offsetAt(zone, instant);
  const wall = new Date(instant + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${wall}Z`;
  const minutes = Math.abs(offset) / 60_000;
  const sign = offset < 0 ? "-" : "+";
  return `${wall}${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * The next `count` run times after `now`, merged over active schedules (paused ones are left out).
 * Uses each schedule's precomputed times, computing only when fewer than `count` remain.
 */
export function nextDeploymentRuns(deployment: Pick<DeploymentRecord, "schedules">, now: number, count = 5): UpcomingRun[] {
  const all: UpcomingRun[] = [];
  for (const s of deployment.schedules) {
    if (!s.schedule.active) continue;
    // The precomputed times run from the first future time of the last planning on, so those after now are the next ones.
    let times = s.upcoming.filter((t) => t > now);
    if (times.length < count) times = nextRunTimes(s.schedule, new Date(now), count).map((d) => d.getTime());
    for (const t of times.slice(0, count)) {
      const time = isoInZone(t, s.schedule.timezone);
      all.push({ time, timezone: s.schedule.timezone, schedule: s.position, epochMs: t });
    }
  }
  all.sort((a, b) => a.epochMs - b.epochMs);
  const seen = new Set<number>();
  return all.filter((r) => !seen.has(r.epochMs) && seen.add(r.epochMs)).slice(0, count);
}
