// The slot behind flow.serve() and flow.deploy(): the deploy and worker layers sit above the engine, so they
// install their implementation here (loaded lazily, on the first call) instead of the engine importing them.

import { CellflowError } from "../core/errors.js";
import { globalSingleton } from "./global.js";
import type { Flow } from "./flow.js";

/** What flow.deploy() and flow.serve() take: the same fields as `cellflow deploy`. */
export interface FlowDeployOptions {
  /** The deployment's name (letters, digits, '-', '_', '.'). @example "daily-backup" */
  name: string;
  /** A cron schedule. @example "0 12 * * *" */
  cron?: string;
  /** An interval schedule: a duration or seconds. @example "2s" */
  interval?: string | number;
  /** An RRULE schedule. @example "FREQ=DAILY;BYHOUR=9" */
  rrule?: string;
  /** IANA time zone of the schedule. @default "UTC" @example "Europe/Madrid" */
  timezone?: string;
  /** Default parameters, validated against the flow's schema. @default {} */
  parameters?: Record<string, unknown>;
  /** Missed runs after downtime: "skip", "once" or "all". @default "once" */
  catchup?: "skip" | "once" | "all";
  /** Webhook block names to alert on Failed, Crashed and Late. @default [] */
  alerts?: string[];
}

/** serve() only: how the runs are served. */
export interface FlowServeOptions extends FlowDeployOptions {
  /** Runs of this deployment at once in this process. @default 4 */
  limit?: number;
  /** Longest sleep between passes, ms. @default 1000 */
  pollMs?: number;
  /** Where serve() reports what it does. @default stdout */
  out?: (line: string) => void;
  /** Stops serving when aborted (as SIGINT/SIGTERM do). */
  signal?: AbortSignal;
}

/** The deployment saved, as flow.deploy() and flow.serve() report it. */
export interface FlowDeployment {
  id: string;
  name: string;
  flowName: string;
  entrypoint: string;
}

export interface FlowDeployer {
  deployFlow(flow: Flow<any, any>, options: FlowDeployOptions): Promise<FlowDeployment>;
  serveFlow(flow: Flow<any, any>, options: FlowServeOptions): Promise<FlowDeployment>;
}

const slot = globalSingleton("flowDeployer", () => ({ load: null as (() => Promise<FlowDeployer>) | null }));

export function installFlowDeployer(load: () => Promise<FlowDeployer>): void {
  slot.load = load;
}

export async function flowDeployer(): Promise<FlowDeployer> {
  if (!slot.load) throw new CellflowError("USAGE", "flow.serve() and flow.deploy() are not available in this build", "import flows from the cellflow package");
  return slot.load();
}
