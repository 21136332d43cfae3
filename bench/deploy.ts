// Benchmark: what deployments cost the scheduler and `inspect` for 1,000 deployments; a worker's capacity (runs/s)
// and its lateness (scheduled time → Running) at half that arrival rate.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { configureStore, getEngine } from "../src/engine/engine.js";
import { buildDeployment, listDeployments, nextDeploymentRuns, planSchedules, saveDeployments, schedulerPass, type DeploymentRecord } from "../src/deploy/index.js";
import { insertScheduledRun } from "../src/deploy/run-rows.js";
import { nextRunTimes, parseSchedule, type ScheduleInput } from "../src/schedule/index.js";
import { Store } from "../src/store/store.js";
import { MAX_IDLE_CHILDREN, Worker } from "../src/worker/index.js";

const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo"];
const CRONS = ["0 12 * * *", "*/15 * * * *", "30 2 * * *", "0 9 * * 1-5", "5 */2 * * *", "0 0 1 * *", "45 23 * * 0,6"];
const INTERVALS = ["15m", "1h", "90m", "1d", "2d", "1w"];
const RULES = ["FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", "FREQ=DAILY;BYHOUR=6,18;BYMINUTE=30", "FREQ=HOURLY;INTERVAL=3", "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18"];

function scheduleInput(i: number): ScheduleInput {
  const timezone = ZONES[i % ZONES.length];
  if (i % 3 === 0) return { kind: "cron", expression: CRONS[i % CRONS.length], timezone };
  if (i % 3 === 1) return { kind: "interval", every: INTERVALS[i % INTERVALS.length], anchor: "2024-01-01T12:00", timezone };
  return { kind: "rrule", rule: RULES[i % RULES.length], timezone };
}

const ms = (x: number) => Math.round(x * 100) / 100;

function time<T>(work: () => T): [T, number] {
  const start = performance.now();
  const value = work();
  return [value, ms(performance.now() - start)];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** 1,000 deployments in a fresh store: the raw math, deploying (which precomputes), scheduler passes, inspect. */
function scheduling(home: string): Record<string, number> {
  const store = Store.open(home);
  const now = Date.now();
  const schedules = Array.from({ length: 1000 }, (_, i) => parseSchedule(scheduleInput(i)));
  for (const s of schedules.slice(0, 50)) nextRunTimes(s, new Date(now), 5);
  const [, rawMath] = time(() => schedules.forEach((s) => nextRunTimes(s, new Date(now), 5)));
  const [records, precompute] = time(() =>
    schedules.map((_, i): DeploymentRecord => ({
      id: crypto.randomUUID(), name: `d${i}`, entrypoint: "/bench/flow.ts:f", flowName: "f", parameters: {}, catchup: "once", alerts: [], paused: false,
      schedules: planSchedules([scheduleInput(i)], now), createdAt: now, updatedAt: now,
    })),
  );
  saveDeployments(store, records);
  const [first, firstPass] = time(() => schedulerPass(store, now, { lateAfterMs: 15_000 }));
  const [, steadyPass] = time(() => schedulerPass(store, now + 1000, { lateAfterMs: 15_000 }));
  const deployments = listDeployments(store);
  const [, inspectAll] = time(() => deployments.forEach((d) => nextDeploymentRuns(d, now + 1000, 5)));
  store.close();
  return {
    rawNext5For1000Ms: rawMath,
    deployPrecomputeFor1000Ms: precompute,
    schedulerFirstPassFor1000Ms: firstPass,
    schedulerFirstPassRunsCreated: first.created,
    schedulerSteadyPassFor1000Ms: steadyPass,
    inspectNext5For1000Ms: inspectAll,
  };
}

const FLOW = `import { flow, task } from "cellflow";
const touch = task("touch", () => 1);
export const quick = flow("quick", async () => touch());
`;

const CONCURRENCY = 4;
// CELLFLOW_BENCH_POOL=0 measures a worker without its pool (a fresh child per run), for comparison.
const POOL = process.env.CELLFLOW_BENCH_POOL !== "0";
// Runs in the capacity burst and in the lateness series (smaller on a loaded machine: CELLFLOW_BENCH_RUNS=8,10).
const [BURST, SERIES] = (process.env.CELLFLOW_BENCH_RUNS ?? "24,40").split(",").map(Number);

async function waitFor(what: string, check: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A worker (concurrency 4, its pool warmed up) first gets 24 runs due at once: capacity is runs finished per
 * second. Then 40 runs (CELLFLOW_BENCH_RUNS=burst,series to change both) arrive at half that rate: lateness is each run's start time minus its scheduled time.
 */
async function lateness(home: string): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-late-"));
  fs.writeFileSync(path.join(dir, "quick.ts"), FLOW);
  configureStore(home);
  const store = getEngine().store;
  const deployment = await buildDeployment(store, { name: "quick", entrypoint: path.join(dir, "quick.ts") });
  saveDeployments(store, [deployment]);
  const finished = () => (store.db.prepare(`SELECT COUNT(*) AS n FROM flow_runs WHERE state_type IN ('COMPLETED','FAILED','CRASHED') AND deployment_id = ?`).get(deployment.id) as { n: number }).n;
  const worker = new Worker({ concurrency: CONCURRENCY, pollMs: 200, out: () => {}, pool: POOL });
  const running = worker.run();
  const poolReady = () => !POOL || worker.poolPids().length === Math.min(CONCURRENCY, MAX_IDLE_CHILDREN);
  await waitFor("the worker's pool", poolReady, 120_000);

  const burst = BURST;
  const t0 = Date.now();
  // 1 ms apart: a deployment holds one run per scheduled time.
  for (let i = 0; i < burst; i++) insertScheduledRun(store, deployment, t0 - burst + i, {}, "bench-capacity", false);
  await waitFor("the capacity runs", () => finished() >= burst, 600_000);
  const capacity = burst / ((Date.now() - t0) / 1000);

  // Half the capacity, with the pool refilled first: an idle worker's lateness, not a queue's.
  await waitFor("the pool to refill", poolReady, 120_000);
  const gapMs = 1000 / (capacity / 2);
  const count = SERIES;
  const first = Date.now() + 1000;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(insertScheduledRun(store, deployment, Math.round(first + i * gapMs), {}, "bench-lateness", false)!);
  await waitFor("the lateness runs", () => finished() >= burst + count, 600_000);
  worker.stop();
  await running;
  const rows = store.db.prepare(`SELECT start_time - scheduled_time AS late, state_name FROM flow_runs WHERE id IN (${ids.map(() => "?").join(",")}) ORDER BY late`).all(...ids) as Array<{ late: number; state_name: string }>;
  const lates = rows.map((r) => r.late);
  return {
    workerPool: POOL ? 1 : 0,
    workerCapacityRunsPerS: Number(capacity.toFixed(2)),
    latenessArrivalGapMs: Math.round(gapMs),
    latenessP50Ms: percentile(lates, 50),
    latenessP95Ms: percentile(lates, 95),
    latenessMaxMs: lates[lates.length - 1],
    latenessRunsCompleted: rows.filter((r) => r.state_name === "Completed").length,
    loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
  };
}

export async function benchDeploy(): Promise<Record<string, number>> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-deploy-"));
  const numbers = scheduling(path.join(home, "schedules"));
  return { ...numbers, ...(await lateness(path.join(home, "lateness"))) };
}
