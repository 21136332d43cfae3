// The records a deployment is made of: where its flow is, its default parameters, schedules, catch-up policy and alerts.

import type { AlertState } from "../engine/options.js";
import type { Schedule } from "../schedule/index.js";

/** What a worker does with scheduled runs it finds Late (missed while no worker ran): run all, the newest only, or none. */
export type CatchupPolicy = "skip" | "once" | "all";
export const CATCHUP_POLICIES: readonly CatchupPolicy[] = ["skip", "once", "all"];

/** Alert a webhook block when a run of the deployment ends in one of `on`. */
export interface DeploymentAlert {
  webhook: string;
  on: AlertState[];
}

export interface DeploymentSchedule {
  id: string;
  /** 1-based position, as `deployments inspect` numbers them. */
  position: number;
  schedule: Schedule;
  /** The latest scheduled time already turned into a run (or skipped), ms since the epoch. */
  scheduledThrough: number;
  /**
   * Precomputed run times, ascending, from the first future time when last planned: the scheduler reads those after
   * `scheduledThrough`, and `inspect` those after now, instead of redoing the schedule math.
   */
  upcoming: number[];
}

export interface DeploymentRecord {
  id: string;
  name: string;
  /** "<absolute file>:<flow name>"; a notebook's flow name is its base name. */
  entrypoint: string;
  flowName: string;
  /** Default parameters, as given (validated against the flow's schema when deployed). */
  parameters: Record<string, unknown>;
  catchup: CatchupPolicy;
  alerts: DeploymentAlert[];
  /** A paused deployment gets no scheduled runs; ad-hoc `deployments run` still works. */
  paused: boolean;
  schedules: DeploymentSchedule[];
  createdAt: number;
  updatedAt: number;
}

/** What `cellflow deploy` and cellflow.yaml describe, before validation. */
export interface DeploymentInput {
  name: string;
  /** "<file.ts|file.ipynb>[:flow]", relative to `cwd`. */
  entrypoint: string;
  parameters?: Record<string, unknown>;
  schedules?: unknown[];
  catchup?: string;
  /** Webhook block names; each alerts on Failed and Crashed unless `on` is given. */
  alerts?: Array<string | { webhook: string; on?: string[] }>;
  paused?: boolean;
}
