// Deployments in the store: rows to records, save (replacing by name) and the lookups every command shares.

import { CellflowError } from "../core/errors.js";
import type { Schedule } from "../schedule/index.js";
import type { Store } from "../store/store.js";
import type { CatchupPolicy, DeploymentAlert, DeploymentRecord, DeploymentSchedule } from "./types.js";

interface DeploymentRow {
  id: string;
  name: string;
  entrypoint: string;
  flow_name: string;
  parameters: string;
  catchup: string;
  alerts: string;
  paused: number;
  created_at: number;
  updated_at: number;
}

interface ScheduleRow {
  id: string;
  deployment_id: string;
  position: number;
  schedule: string;
  active: number;
  scheduled_through: number;
  upcoming: string;
}

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
  const rows = store.db.prepare("SELECT * FROM deployments ORDER BY name").all() as DeploymentRow[];
  const schedules = store.db.prepare("SELECT * FROM deployment_schedules ORDER BY deployment_id, position").all() as ScheduleRow[];
  const byDeployment = new Map<string, ScheduleRow[]>();
  for (const s of schedules) byDeployment.set(s.deployment_id, [...(byDeployment.get(s.deployment_id) ?? []), s]);
  return rows.map((r) => fromRows(r, byDeployment.get(r.id) ?? []));
}

function fromId(store: Store, row: DeploymentRow | undefined): DeploymentRecord | undefined {
  if (!row) return undefined;
  const schedules = store.db.prepare("SELECT * FROM deployment_schedules WHERE deployment_id = ? ORDER BY position").all(row.id) as ScheduleRow[];
  return fromRows(row, schedules);
}

export function getDeploymentById(store: Store, id: string): DeploymentRecord | undefined {
  return fromId(store, store.db.prepare("SELECT * FROM deployments WHERE id = ?").get(id) as DeploymentRow | undefined);
}

/** A deployment by name; an unknown name is a DEPLOYMENT error listing the known ones. */
export function findDeployment(store: Store, name: string): DeploymentRecord {
  const found = fromId(store, store.db.prepare("SELECT * FROM deployments WHERE name = ?").get(name) as DeploymentRow | undefined);
  if (found) return found;
  const names = (store.db.prepare("SELECT name FROM deployments ORDER BY name LIMIT 6").all() as Array<{ name: string }>).map((r) => r.name);
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
  const db = store.db;
  const existing = db.prepare("SELECT id, created_at FROM deployments WHERE name = ?");
  const upsert = db.prepare(
    `INSERT INTO deployments (id, name, entrypoint, flow_name, parameters, catchup, alerts, paused, created_at, updated_at)
     VALUES (@id, @name, @entrypoint, @flow_name, @parameters, @catchup, @alerts, @paused, @created_at, @updated_at)
     ON CONFLICT(id) DO UPDATE SET entrypoint=excluded.entrypoint, flow_name=excluded.flow_name, parameters=excluded.parameters,
       catchup=excluded.catchup, alerts=excluded.alerts, paused=excluded.paused, updated_at=excluded.updated_at`,
  );
  const dropSchedules = db.prepare("DELETE FROM deployment_schedules WHERE deployment_id = ?");
  const addSchedule = db.prepare(
    "INSERT INTO deployment_schedules (id, deployment_id, position, schedule, active, scheduled_through, upcoming) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  db.transaction(() => {
    for (const record of records) {
      const before = existing.get(record.name) as { id: string; created_at: number } | undefined;
      if (before) {
        record.id = before.id;
        record.createdAt = before.created_at;
        dropFutureRuns(store, record.id, Date.now());
      }
      upsert.run({
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
      });
      dropSchedules.run(record.id);
      for (const s of record.schedules) {
        const { active, ...definition } = s.schedule;
        addSchedule.run(s.id, record.id, s.position, JSON.stringify(definition), active ? 1 : 0, s.scheduledThrough, JSON.stringify(s.upcoming));
      }
    }
  });
}

/** Delete a deployment's scheduled runs that nobody claimed and that are due after `after`: plans, not history. */
export function dropFutureRuns(store: Store, deploymentId: string, after: number): number {
  return store.db
    .prepare("DELETE FROM flow_runs WHERE deployment_id = ? AND state_type = 'SCHEDULED' AND owner IS NULL AND idempotency_key IS NOT NULL AND scheduled_time > ?")
    .run(deploymentId, after).changes;
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
  store.db.transaction(() => {
    if (position === undefined) store.db.prepare("UPDATE deployments SET paused = ?, updated_at = ? WHERE id = ?").run(paused ? 1 : 0, now, record.id);
    else store.db.prepare("UPDATE deployment_schedules SET active = ? WHERE deployment_id = ? AND position = ?").run(paused ? 0 : 1, record.id, position);
    // Pausing the deployment removes every run its schedules made that has not started, due or not (a worker
    // would otherwise still run them); one schedule's runs cannot be told apart, so only future ones go then.
    dropFutureRuns(store, record.id, paused && position === undefined ? Number.MIN_SAFE_INTEGER : now);
    store.db.prepare("UPDATE deployment_schedules SET scheduled_through = ?, upcoming = '[]' WHERE deployment_id = ?").run(now, record.id);
  });
  return findDeployment(store, name);
}

/** Remove a deployment, its schedules and its planned runs; runs that happened stay, detached. */
export function removeDeployment(store: Store, name: string): DeploymentRecord {
  const record = findDeployment(store, name);
  store.db.transaction(() => {
    store.db.prepare("DELETE FROM flow_runs WHERE deployment_id = ? AND state_type = 'SCHEDULED' AND owner IS NULL").run(record.id);
    store.db.prepare("DELETE FROM deployments WHERE id = ?").run(record.id);
  });
  return record;
}

/** Save what the scheduler planned for one schedule. */
export function updateSchedulePlan(store: Store, scheduleId: string, through: number, upcoming: number[]): void {
  store.db.prepare("UPDATE deployment_schedules SET scheduled_through = ?, upcoming = ? WHERE id = ?").run(through, JSON.stringify(upcoming), scheduleId);
}
