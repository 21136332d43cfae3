// Deployments in the store: rows to records, save (replacing by name) and the lookups every command shares.

import { CellflowError } from "../core/errors.js";
import type { Schedule } from "../schedule/index.js";
import type { Store } from "../store/store.js";
import type { DeploymentRow, ScheduleRow } from "../store/deployments.js";
import type { CatchupPolicy, DeploymentAlert, DeploymentRecord, DeploymentSchedule } from "./types.js";

function scheduleFromRow(row: ScheduleRow): DeploymentSchedule {
  // Stored schedules were validated when deployed; `active` lives in its own column so pausing is one UPDATE.
  const schedule = { ...(JSON.parse(row.schedule) as Schedule), active: row.active === 1 };
  return { id: row.id, position: row.position, schedule, scheduledThrough: row.scheduled_through, upcoming: JSON.parse(row.upcoming) as number[] };
}

function fromRows(row: DeploymentRow, schedules: ScheduleRow[]): DeploymentRecord {
  return {
    id: row.id,
    name: row.name,
    entrypoint: row.entrypoint,
    flowName: row.flow_name,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    catchup: row.catchup as CatchupPolicy,
    alerts: JSON.parse(row.alerts) as DeploymentAlert[],
    paused: row.paused === 1,
    schedules: schedules.map(scheduleFromRow),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Every deployment with its schedules, by name. */
export function listDeployments(store: Store): DeploymentRecord[] {
  const rows = store.deployments.all();
  const byDeployment = new Map<string, ScheduleRow[]>();
  for (const s of store.deployments.allSchedules()) byDeployment.set(s.deployment_id, [...(byDeployment.get(s.deployment_id) ?? []), s]);
  return rows.map((r) => fromRows(r, byDeployment.get(r.id) ?? []));
}

function fromId(store: Store, row: DeploymentRow | undefined): DeploymentRecord | undefined {
  return row ? fromRows(row, store.deployments.schedulesOf(row.id)) : undefined;
}

export function getDeploymentById(store: Store, id: string): DeploymentRecord | undefined {
  return fromId(store, store.deployments.byId(id));
}

/** A deployment by name; an unknown name is a DEPLOYMENT error listing the known ones. */
export function findDeployment(store: Store, name: string): DeploymentRecord {
  const found = fromId(store, store.deployments.byName(name));
  if (found) return found;
  const names = store.deployments.names(6);
  throw new CellflowError(
    "DEPLOYMENT",
    `no deployment named '${name}'`,
    names.length ? `known deployments: ${names.join(", ")}` : "create one with: cellflow deploy flows/etl.ts --name etl-nightly --cron \"0 2 * * *\"",
  );
}

/**
 * Insert or replace deployments by name, in one transaction. A replaced deployment keeps its id (its runs stay
 * attached); its schedules are replaced and its not-yet-claimed future scheduled runs are dropped, to be re-planned.
 */
export function saveDeployments(store: Store, records: DeploymentRecord[]): void {
  const entries = records.map((record) => ({
    deployment: {
      id: record.id,
      name: record.name,
      entrypoint: record.entrypoint,
      flow_name: record.flowName,
      parameters: JSON.stringify(record.parameters),
      catchup: record.catchup,
      alerts: JSON.stringify(record.alerts),
      paused: record.paused ? 1 : 0,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    },
    schedules: record.schedules.map((s): ScheduleRow => {
      const { active, ...definition } = s.schedule;
      return { id: s.id, deployment_id: record.id, position: s.position, schedule: JSON.stringify(definition), active: active ? 1 : 0, scheduled_through: s.scheduledThrough, upcoming: JSON.stringify(s.upcoming) };
    }),
  }));
  store.deployments.save(entries, Date.now());
  // A replaced deployment kept its id and creation time.
  records.forEach((record, i) => {
    record.id = entries[i].deployment.id;
    record.createdAt = entries[i].deployment.created_at;
  });
}

/** Delete a deployment's scheduled runs that nobody claimed and that are due after `after`: plans, not history. */
export function dropFutureRuns(store: Store, deploymentId: string, after: number): number {
  return store.deployments.dropPlannedRuns(deploymentId, after);
}

/**
 * Pause or resume a deployment (or one of its schedules, by 1-based position). Planned runs not started yet are
 * dropped (on a deployment pause, also those already due or Late) and planning restarts from now, so a paused
 * stretch is not "missed" when it resumes.
 */
export function setPaused(store: Store, name: string, paused: boolean, position?: number): DeploymentRecord {
  const record = findDeployment(store, name);
  if (position !== undefined && !record.schedules.some((s) => s.position === position)) {
    throw new CellflowError("DEPLOYMENT", `deployment '${name}' has no schedule ${position}`, record.schedules.length ? `use 1 to ${record.schedules.length} (see: cellflow deployments inspect ${name})` : "it has no schedules; pause the deployment instead");
  }
  const now = Date.now();
  // Pausing the deployment removes every run its schedules made that has not started, due or not (a worker
  // would otherwise still run them); one schedule's runs cannot be told apart, so only future ones go then.
  store.deployments.setPaused(record.id, paused, position, paused && position === undefined ? Number.MIN_SAFE_INTEGER : now, now);
  return findDeployment(store, name);
}

/** Remove a deployment, its schedules and its planned runs; runs that happened stay, detached. */
export function removeDeployment(store: Store, name: string): DeploymentRecord {
  const record = findDeployment(store, name);
  store.deployments.remove(record.id);
  return record;
}

/** Save what the scheduler planned for one schedule. */
export function updateSchedulePlan(store: Store, scheduleId: string, through: number, upcoming: number[]): void {
  store.deployments.updateSchedulePlan(scheduleId, through, upcoming);
}
