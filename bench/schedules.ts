// Benchmark: the next 5 run times for 1,000 deployments' schedules (cron, interval and RRULE in several zones),
// computed from the schedules and as `deployments inspect` reads them (from the times planned at deploy).

import { performance } from "node:perf_hooks";
import { nextRunTimes, parseSchedule, type Schedule, type ScheduleInput } from "../src/schedule/index.js";
import { planSchedules } from "../src/deploy/deploy.js";
import { nextDeploymentRuns } from "../src/deploy/next-times.js";

const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo"];
const CRONS = ["0 12 * * *", "*/15 * * * *", "30 2 * * *", "0 9 * * 1-5", "5 */2 * * *", "0 0 1 * *", "45 23 * * 0,6"];
const INTERVALS = ["30s", "15m", "1h", "90m", "1d", "2d", "1w"];
const RULES = [
  "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0",
  "FREQ=DAILY;BYHOUR=6,18;BYMINUTE=30",
  "FREQ=HOURLY;INTERVAL=3",
  "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18",
  "FREQ=MINUTELY;INTERVAL=20",
];

/** `count` schedules: a third each of cron, interval and RRULE, spread over the zones. */
function makeInputs(count: number): ScheduleInput[] {
  const inputs: ScheduleInput[] = [];
  for (let i = 0; i < count; i += 1) {
    const timezone = ZONES[i % ZONES.length];
    if (i % 3 === 0) inputs.push({ kind: "cron", expression: CRONS[i % CRONS.length], timezone });
    else if (i % 3 === 1) inputs.push({ kind: "interval", every: INTERVALS[i % INTERVALS.length], anchor: "2024-01-01T12:00", timezone });
    else inputs.push({ kind: "rrule", rule: RULES[i % RULES.length], timezone });
  }
  return inputs;
}

/**
 * The next 5 run times of `count` deployments' schedules: computed, as `next5For<count>DeploymentsMs`; from the times
 * planned when each was deployed (what `deployments inspect` shows), as `next5For<count>DeploymentsPlannedMs`.
 */
export async function benchSchedules(count = 1000): Promise<Record<string, number>> {
  const inputs = makeInputs(count);
  const schedules: Schedule[] = inputs.map(parseSchedule);
  const after = new Date("2025-03-29T22:00:00Z"); // the night Europe's clocks go forward
  // Warm up once so the number measures the steady state, not module loading and JIT.
  for (const schedule of schedules.slice(0, 50)) nextRunTimes(schedule, after, 5);
  const start = performance.now();
  let produced = 0;
  for (const schedule of schedules) produced += nextRunTimes(schedule, after, 5).length;
  const elapsed = performance.now() - start;
  if (produced !== schedules.length * 5) throw new Error(`expected ${schedules.length * 5} run times, got ${produced}`);
  const deployments = inputs.map((input) => ({ schedules: planSchedules([input], after.getTime()) }));
  const planned = performance.now();
  let read = 0;
  for (const deployment of deployments) read += nextDeploymentRuns(deployment, after.getTime(), 5).length;
  const plannedElapsed = performance.now() - planned;
  if (read !== schedules.length * 5) throw new Error(`expected ${schedules.length * 5} planned run times, got ${read}`);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { [`next5For${count}DeploymentsMs`]: round(elapsed), [`next5For${count}DeploymentsPlannedMs`]: round(plannedElapsed) };
}
