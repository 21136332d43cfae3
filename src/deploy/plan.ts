// Planning one schedule: which run times become runs now (due, missed per the catch-up policy, and the next few
// ahead), starting from what was planned last and the precomputed times, so steady-state planning does no math.

import { nextRunTimes } from "../schedule/index.js";
import type { CatchupPolicy, DeploymentSchedule } from "./types.js";

export interface PlanOptions {
  /** A slot this far past its time is missed: the catch-up policy decides whether it runs. */
  lateAfterMs: number;
  /** Runs due within this long are created now. @default 10_000 */
  leadMs?: number;
  /** At least this many future runs exist after planning. @default 3 */
  ahead?: number;
  /** At most this many missed runs are created for catch-up "all". @default 100 */
  maxCatchup?: number;
  /**
   * At most this many runs are created by one scheduler pass, over all deployments; schedules cut short are
   * planned further by the next pass. @default 1000
   * @example { lateAfterMs: 15_000, maxRunsPerPass: 200 }
   */
  maxRunsPerPass?: number;
}

export const DEFAULT_MAX_RUNS_PER_PASS = 1000;

/** Keep the first `budget` times of a plan; what is left is planned by a later pass (from `through`). */
export function capPlan(plan: SchedulePlan, budget: number): SchedulePlan {
  if (plan.create.length <= budget) return plan;
  const create = plan.create.slice(0, Math.max(0, budget));
  const through = create.length > 0 ? create[create.length - 1] : plan.through;
  const rest = plan.create.slice(create.length).concat(plan.upcoming).filter((t) => t > through);
  return { create, skipped: plan.skipped, through: create.length > 0 ? through : plan.through, upcoming: rest };
}

export interface SchedulePlan {
  /** Times to create runs for, ascending. */
  create: number[];
  /** Missed times the catch-up policy dropped. */
  skipped: number;
  through: number;
  upcoming: number[];
}

/** How far a planning pass walks through missed times before giving up on older ones. */
const MAX_WALK = 10_000;
const BATCH = 20;

/** Run times after a point, from the precomputed list first, computing more only when it runs out. */
class TimeStream {
  private buffer: number[];
  private last: number;
  constructor(private readonly schedule: DeploymentSchedule) {
    this.last = schedule.scheduledThrough;
    this.buffer = schedule.upcoming.filter((t) => t > this.last);
  }
  next(): number | null {
    if (this.buffer.length === 0) {
      this.buffer = nextRunTimes(this.schedule.schedule, new Date(this.last), BATCH).map((d) => d.getTime());
      if (this.buffer.length === 0) return null;
    }
    const t = this.buffer.shift()!;
    this.last = t;
    return t;
  }
  rest(): number[] {
    return this.buffer;
  }
}

/** Whether the schedule needs planning at `now`: cheap enough to ask of every schedule on every pass. */
export function needsPlanning(schedule: DeploymentSchedule, now: number, options: PlanOptions): boolean {
  return schedule.scheduledThrough <= now + (options.leadMs ?? 10_000);
}

/** Plan one schedule at `now` under a catch-up policy. */
export function planSchedule(schedule: DeploymentSchedule, policy: CatchupPolicy, now: number, options: PlanOptions): SchedulePlan {
  const lead = options.leadMs ?? 10_000;
  const ahead = options.ahead ?? 3;
  const maxCatchup = options.maxCatchup ?? 100;
  const stream = new TimeStream(schedule);
  const missed: number[] = [];
  const due: number[] = [];
  const future: number[] = [];
  let missedTotal = 0;
  let through = schedule.scheduledThrough;
  for (let walked = 0; walked < MAX_WALK; walked += 1) {
    const t = stream.next();
    if (t === null) break;
    through = t;
    if (t <= now - options.lateAfterMs) {
      missedTotal += 1;
      missed.push(t);
      if (missed.length > maxCatchup) missed.shift();
    } else if (t <= now) {
      due.push(t);
    } else {
      future.push(t);
      if (t > now + lead && future.length >= ahead) break;
    }
  }
  const keptMissed = policy === "all" ? missed : policy === "once" ? missed.slice(-1) : [];
  // Kept from the first future time on, so `inspect` reads the next runs from here without redoing the math.
  const upcoming = [...future, ...stream.rest()];
  return { create: [...keptMissed, ...due, ...future], skipped: missedTotal - keptMissed.length, through, upcoming };
}
