// The next run times of a deployment across its active schedules, as `deployments inspect` shows them.

import { DateTime } from "luxon";
import { nextRunTimes } from "../schedule/index.js";
import type { DeploymentRecord } from "./types.js";

export interface UpcomingRun {
  /** ISO time in the schedule's zone, with its offset. */
  time: string;
  timezone: string;
  /** 1-based schedule position. */
  schedule: number;
  epochMs: number;
}

/**
 * The next `count` run times after `now`, merged over active schedules (paused ones are left out).
 * Uses a schedule's precomputed times when nothing is planned past `now`, else computes them.
 */
export function nextDeploymentRuns(deployment: DeploymentRecord, now: number, count = 5): UpcomingRun[] {
  const all: UpcomingRun[] = [];
  for (const s of deployment.schedules) {
    if (!s.schedule.active) continue;
    // The precomputed times start after the last planned run; they answer only when nothing is planned past now.
    let times = s.scheduledThrough <= now ? s.upcoming.filter((t) => t > now) : [];
    if (times.length < count) times = nextRunTimes(s.schedule, new Date(now), count).map((d) => d.getTime());
    for (const t of times.slice(0, count)) {
      const time = DateTime.fromMillis(t, { zone: s.schedule.timezone }).toISO({ suppressMilliseconds: true }) ?? new Date(t).toISOString();
      all.push({ time, timezone: s.schedule.timezone, schedule: s.position, epochMs: t });
    }
  }
  all.sort((a, b) => a.epochMs - b.epochMs);
  const seen = new Set<number>();
  return all.filter((r) => !seen.has(r.epochMs) && seen.add(r.epochMs)).slice(0, count);
}
