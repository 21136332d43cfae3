// Deployment rows: deployments and their schedules as stored. deploy/deployment-store.ts turns them into records;
// every statement on these tables is here.

import type { SqlDatabase } from "./sql.js";

export interface DeploymentRow {
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

export interface ScheduleRow {
  id: string;
  deployment_id: string;
  position: number;
  schedule: string;
  active: number;
  scheduled_through: number;
  upcoming: string;
}

/** Runs a deployment planned that nobody claimed: plans, not history (a replaced or paused deployment drops them). */
const PLANNED = "deployment_id = ? AND state_type = 'SCHEDULED' AND owner IS NULL";

export class DeploymentTable {
  constructor(private readonly db: SqlDatabase) {}

  /** Every deployment, by name. */
  all(): DeploymentRow[] {
    return this.db.prepare("SELECT * FROM deployments ORDER BY name").all() as DeploymentRow[];
  }

  /** Every schedule, by deployment then position. */
  allSchedules(): ScheduleRow[] {
    return this.db.prepare("SELECT * FROM deployment_schedules ORDER BY deployment_id, position").all() as ScheduleRow[];
  }

  schedulesOf(deploymentId: string): ScheduleRow[] {
    return this.db.prepare("SELECT * FROM deployment_schedules WHERE deployment_id = ? ORDER BY position").all(deploymentId) as ScheduleRow[];
  }

  byId(id: string): DeploymentRow | undefined {
    return this.db.prepare("SELECT * FROM deployments WHERE id = ?").get(id) as DeploymentRow | undefined;
  }

  byName(name: string): DeploymentRow | undefined {
    return this.db.prepare("SELECT * FROM deployments WHERE name = ?").get(name) as DeploymentRow | undefined;
  }

  /** The first `limit` names in order (for "known deployments: …" hints). */
  names(limit: number): string[] {
    return (this.db.prepare("SELECT name FROM deployments ORDER BY name LIMIT ?").all(limit) as Array<{ name: string }>).map((r) => r.name);
  }

  /**
   * Insert or replace deployments by name, in one transaction. A replaced deployment keeps its id and created_at
   * (its runs stay attached; the rows passed in are updated to them), its schedules are replaced and its planned
   * runs due after `now` are dropped.
   */
  save(entries: Array<{ deployment: DeploymentRow; schedules: ScheduleRow[] }>, now: number): void {
    const existing = this.db.prepare("SELECT id, created_at FROM deployments WHERE name = ?");
    const upsert = this.db.prepare(
      `INSERT INTO deployments (id, name, entrypoint, flow_name, parameters, catchup, alerts, paused, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET entrypoint = excluded.entrypoint, flow_name = excluded.flow_name, parameters = excluded.parameters,
         catchup = excluded.catchup, alerts = excluded.alerts, paused = excluded.paused, updated_at = excluded.updated_at`,
    );
    const dropSchedules = this.db.prepare("DELETE FROM deployment_schedules WHERE deployment_id = ?");
    const addSchedule = this.db.prepare(
      "INSERT INTO deployment_schedules (id, deployment_id, position, schedule, active, scheduled_through, upcoming) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.db.transaction(() => {
      for (const { deployment: d, schedules } of entries) {
        const before = existing.get(d.name) as { id: string; created_at: number } | undefined;
        if (before) {
          d.id = before.id;
          d.created_at = before.created_at;
          this.dropPlannedRuns(d.id, now);
        }
        upsert.run(d.id, d.name, d.entrypoint, d.flow_name, d.parameters, d.catchup, d.alerts, d.paused, d.created_at, d.updated_at);
        dropSchedules.run(d.id);
        for (const s of schedules) addSchedule.run(s.id, d.id, s.position, s.schedule, s.active, s.scheduled_through, s.upcoming);
      }
    });
  }

  /** Delete a deployment's planned runs (auto-scheduled, unclaimed) due after `after`; returns how many. */
  dropPlannedRuns(deploymentId: string, after: number): number {
    return this.db.prepare(`DELETE FROM flow_runs WHERE ${PLANNED} AND idempotency_key IS NOT NULL AND scheduled_time > ?`).run(deploymentId, after).changes;
  }

  /**
   * Pause or resume a deployment (`position` undefined) or one schedule, drop the planned runs due after
   * `dropAfter`, and restart planning from `now`: one transaction.
   */
  setPaused(deploymentId: string, paused: boolean, position: number | undefined, dropAfter: number, now: number): void {
    this.db.transaction(() => {
      if (position === undefined) this.db.prepare("UPDATE deployments SET paused = ?, updated_at = ? WHERE id = ?").run(paused ? 1 : 0, now, deploymentId);
      else this.db.prepare("UPDATE deployment_schedules SET active = ? WHERE deployment_id = ? AND position = ?").run(paused ? 0 : 1, deploymentId, position);
      this.dropPlannedRuns(deploymentId, dropAfter);
      this.db.prepare("UPDATE deployment_schedules SET scheduled_through = ?, upcoming = '[]' WHERE deployment_id = ?").run(now, deploymentId);
    });
  }

  /** Delete a deployment (its schedules cascade) and every unclaimed Scheduled run of it. */
  remove(deploymentId: string): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM flow_runs WHERE ${PLANNED}`).run(deploymentId);
      this.db.prepare("DELETE FROM deployments WHERE id = ?").run(deploymentId);
    });
  }

  /** Save what the scheduler planned for one schedule. */
  updateSchedulePlan(scheduleId: string, through: number, upcoming: number[]): void {
    this.db.prepare("UPDATE deployment_schedules SET scheduled_through = ?, upcoming = ? WHERE id = ?").run(through, JSON.stringify(upcoming), scheduleId);
  }
}
