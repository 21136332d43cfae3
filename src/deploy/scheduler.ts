// The scheduler pass a worker makes: create the runs schedules call for, apply catch-up to runs that were
// missed, and mark runs Late when their time has passed unstarted. Safe to run in several workers at once.

import type { FlowRunRecord } from "../core/records.js";
import type { Store } from "../store/store.js";
import { listDeployments, updateSchedulePlan } from "./deployment-store.js";
import { capPlan, DEFAULT_MAX_RUNS_PER_PASS, needsPlanning, planSchedule, type PlanOptions } from "./plan.js";
import { insertScheduledRun } from "./run-rows.js";
import type { CatchupPolicy, DeploymentRecord } from "./types.js";

/** Prefect's default: a run 15 s past its time without starting is Late. */
export const DEFAULT_LATE_AFTER_MS = 15_000;

export interface SchedulerPass {
  /** Runs created by schedules. */
  created: number;
  /** Missed times (never created, or created and now Cancelled) the catch-up policy dropped, by deployment name. */
  skipped: Map<string, number>;
  /** Runs that became Late in this pass. */
  late: FlowRunRecord[];
}

function addSkipped(pass: SchedulerPass, name: string, n: number): void {
  if (n > 0) pass.skipped.set(name, (pass.skipped.get(name) ?? 0) + n);
}

/** Create the runs active schedules call for; returns how many. */
function planDeployments(store: Store, deployments: DeploymentRecord[], now: number, options: PlanOptions, pass: SchedulerPass): void {
  // A cap on the whole pass: a dense schedule (or many of them) cannot flood the store in one transaction.
  let budget = options.maxRunsPerPass ?? DEFAULT_MAX_RUNS_PER_PASS;
  for (const deployment of deployments) {
    if (deployment.paused) continue;
    for (const schedule of deployment.schedules) {
      if (budget <= 0) return;
      if (!schedule.schedule.active || !needsPlanning(schedule, now, options)) continue;
      const plan = capPlan(planSchedule(schedule, deployment.catchup, now, options), budget);
      budget -= plan.create.length;
      for (const time of plan.create) {
        const message = time < now ? `scheduled for ${new Date(time).toISOString()} (catch-up: ${deployment.catchup})` : `scheduled by schedule ${schedule.position}`;
        if (insertScheduledRun(store, deployment, time, deployment.parameters, message, true)) pass.created += 1;
      }
      addSkipped(pass, deployment.name, plan.skipped);
      updateSchedulePlan(store, schedule.id, plan.through, plan.upcoming);
    }
  }
}

const SKIP_MESSAGE: Record<Exclude<CatchupPolicy, "all">, string> = {
  skip: "skipped: missed its time while no worker ran (catch-up policy 'skip')",
  once: "skipped: missed its time while no worker ran; catch-up policy 'once' runs only the newest",
};

/** Scheduled runs already in the store that are now missed: skip them, or all but the newest, per deployment. */
function catchUp(store: Store, deployments: DeploymentRecord[], now: number, lateAfterMs: number, pass: SchedulerPass): void {
  const rows = store.scheduledRuns.missed(now - lateAfterMs);
  if (rows.length === 0) return;
  const byId = new Map(deployments.map((d) => [d.id, d]));
  const missed = new Map<string, string[]>();
  for (const row of rows) missed.set(row.deploymentId, [...(missed.get(row.deploymentId) ?? []), row.id]);
  for (const [deploymentId, ids] of missed) {
    const deployment = byId.get(deploymentId);
    if (!deployment || deployment.catchup === "all") continue;
    const drop = deployment.catchup === "once" ? ids.slice(0, -1) : ids;
    const moved = store.scheduledRuns.move(drop, "Cancelled", SKIP_MESSAGE[deployment.catchup], now);
    addSkipped(pass, deployment.name, moved.length);
  }
}

/** Scheduled runs past their time by more than `lateAfterMs`, not started: state name Late (type SCHEDULED). */
function markLate(store: Store, now: number, lateAfterMs: number, pass: SchedulerPass): void {
  for (const row of store.scheduledRuns.overdue(now - lateAfterMs)) {
    const late = Math.round((now - row.scheduledTime) / 1000);
    const [id] = store.scheduledRuns.move([row.id], "Late", `not started ${late}s after its scheduled time`, now);
    if (id) pass.late.push(store.findFlowRun(id));
  }
}

/** One scheduler pass at `now`, in one write transaction. */
export function schedulerPass(store: Store, now: number, options: PlanOptions): SchedulerPass {
  const pass: SchedulerPass = { created: 0, skipped: new Map(), late: [] };
  store.transaction(() => {
    const deployments = listDeployments(store);
    planDeployments(store, deployments, now, options, pass);
    catchUp(store, deployments, now, options.lateAfterMs, pass);
    markLate(store, now, options.lateAfterMs, pass);
  });
  return pass;
}
