// The options users pass to task() and flow(), with their defaults and validation.

import type { ZodType } from "zod";
import type { FlowRunRecord, TaskRunRecord } from "../core/records.js";
import type { State } from "../core/states.js";
import { CellflowError } from "../core/errors.js";
import { parseDuration } from "../core/duration.js";

export type CachePolicy = "inputs" | "source" | "inputs+source" | "none";
export const CACHE_POLICIES: readonly CachePolicy[] = ["inputs", "source", "inputs+source", "none"];

/** Seconds before retry n (1-based): a number, a list (the last entry repeats), or a function of the attempt. */
export type RetryDelay = number | number[] | ((attempt: number) => number);

export interface CacheKeyContext {
  taskName: string;
  flowRunId: string | null;
  sourceHash: string;
}

export interface TaskOptions {
  /** The task's name in the DAG, logs and cache keys. @default the function's name */
  name?: string;
  description?: string;
  /** @example ["extract"] */
  tags?: string[];
  /** Retries after the first failure. @default 0 */
  retries?: number;
  /** Seconds between retries. @default 0 @example [1, 5, 30] */
  retryDelay?: RetryDelay;
  /** Randomize each delay by up to this fraction of it (0.5 → ±50%). @default 0 */
  retryJitter?: number;
  /** Whether to retry after this error. @default every error is retried */
  retryCondition?: (error: unknown, attempt: number) => boolean;
  /** Abort the task after this long: "30s", "5m" or seconds. Ends TimedOut. */
  timeout?: string | number;
  /**
   * What the cache key hashes. @default "inputs+source", scoped to the flow run (so a rerun of the
   * same run reuses results, and a new run executes); an explicit policy caches across runs.
   */
  cachePolicy?: CachePolicy;
  /** A custom cache key; return null to not cache this call. @example (ctx, day) => `report-${day}` */
  cacheKey?: (ctx: CacheKeyContext, ...args: any[]) => string | null;
  /** How long a cached result stays valid: "1d", "12h" or seconds. @default forever */
  cacheExpiration?: string | number;
  /** Execute even when a cached result matches, and cache the new result. @default false */
  refreshCache?: boolean;
  /** Persist results under the store's results/ so reruns in a new process reuse them. @default true */
  persistResult?: boolean;
  /** Capture console.* inside the task into its run's logs. @default false */
  logPrints?: boolean;
  onCompletion?: Array<(task: TaskRunRecord, state: State) => void | Promise<void>>;
  onFailure?: Array<(task: TaskRunRecord, state: State) => void | Promise<void>>;
}

/** The run states an alert can be sent on. */
export type AlertState = "Failed" | "Crashed" | "Late";
export const ALERT_STATES: readonly AlertState[] = ["Failed", "Crashed", "Late"];

/** Where and when a flow's runs are alerted. */
export interface FlowAlerts {
  /** The name of a `webhook` block (`cellflow blocks create webhook NAME --value '{"url":"…"}'`). */
  webhook: string;
  /**
   * The states that send an alert. "Failed" covers TimedOut too; "Late" is noticed by a worker, for deployment runs.
   * @default ["Failed", "Crashed"]
   * @example ["Failed"]
   */
  on?: AlertState[];
}

export interface FlowOptions<P = Record<string, unknown>> {
  /** @default the function's name */
  name?: string;
  description?: string;
  version?: string;
  /** Re-execute the whole flow after a failure; completed tasks come back Cached. @default 0 */
  retries?: number;
  retryDelay?: RetryDelay;
  /** Abort the flow after this long: "30s", "5m" or seconds. Ends TimedOut. */
  timeout?: string | number;
  /** A zod schema: parameters are validated and coerced before the run starts. @example z.object({ size: z.number() }) */
  parameters?: ZodType<P>;
  /** At most this many task runs of this flow run at once. @default unlimited */
  concurrency?: number;
  tags?: string[];
  logPrints?: boolean;
  onCompletion?: Array<(run: FlowRunRecord, state: State) => void | Promise<void>>;
  onFailure?: Array<(run: FlowRunRecord, state: State) => void | Promise<void>>;
  onCrashed?: Array<(run: FlowRunRecord, state: State) => void | Promise<void>>;
  /**
   * POST an alert (flow, run id, state, message, link) to a webhook block when a run ends Failed or Crashed.
   * Delivery is retried; a webhook that fails is logged on the run and never fails it.
   * @default no alerts
   * @example alerts: { webhook: "ops-hook", on: ["Failed", "Crashed"] }
   */
  alerts?: FlowAlerts;
  /**
   * Where the flow's task runs execute: "local" (this process) or "distributed" (task workers, `cellflow worker
   * --tasks`, through the store on PostgreSQL; the flow must be defined in a module file). `cellflow run
   * --distributed` asks for it too.
   * @default "local"
   */
  taskRunner?: "local" | "distributed";
}

function bad(what: string, message: string, hint: string): never {
  throw new CellflowError("BAD_OPTION", `${what}: ${message}`, hint);
}

export interface ResolvedTaskTimings {
  timeoutMs: number | null;
  cacheExpirationMs: number | null;
}

/** Check task options once, at definition, so a bad value fails where it was written. */
export function validateTaskOptions(name: string, o: TaskOptions): ResolvedTaskTimings {
  const what = `task '${name}'`;
  if (o.retries !== undefined && (!Number.isInteger(o.retries) || o.retries < 0)) bad(what, `retries must be a whole number ≥ 0, got ${o.retries}`, "e.g. retries: 3");
  if (o.retryJitter !== undefined && (typeof o.retryJitter !== "number" || o.retryJitter < 0)) bad(what, `retryJitter must be a number ≥ 0, got ${o.retryJitter}`, "e.g. retryJitter: 0.5");
  if (o.cachePolicy !== undefined && !CACHE_POLICIES.includes(o.cachePolicy)) bad(what, `unknown cachePolicy '${o.cachePolicy}'`, `use one of ${CACHE_POLICIES.join(", ")}`);
  validateRetryDelay(what, o.retryDelay);
  return {
    timeoutMs: o.timeout === undefined ? null : parseDuration(o.timeout, `${what} timeout`),
    cacheExpirationMs: o.cacheExpiration === undefined ? null : parseDuration(o.cacheExpiration, `${what} cacheExpiration`),
  };
}

export function validateFlowOptions(name: string, o: FlowOptions<any>): { timeoutMs: number | null } {
  const what = `flow '${name}'`;
  if (o.retries !== undefined && (!Number.isInteger(o.retries) || o.retries < 0)) bad(what, `retries must be a whole number ≥ 0, got ${o.retries}`, "e.g. retries: 1");
  if (o.concurrency !== undefined && (!Number.isInteger(o.concurrency) || o.concurrency < 1)) bad(what, `concurrency must be a whole number ≥ 1, got ${o.concurrency}`, "e.g. concurrency: 4");
  validateRetryDelay(what, o.retryDelay);
  if (o.alerts !== undefined) validateAlerts(what, o.alerts);
  if (o.taskRunner !== undefined && o.taskRunner !== "local" && o.taskRunner !== "distributed") bad(what, `unknown taskRunner ${JSON.stringify(o.taskRunner)}`, 'use "local" or "distributed"');
  return { timeoutMs: o.timeout === undefined ? null : parseDuration(o.timeout, `${what} timeout`) };
}

function validateAlerts(what: string, a: FlowAlerts): void {
  if (typeof a !== "object" || a === null || typeof a.webhook !== "string" || a.webhook.trim() === "") {
    bad(what, `alerts needs a webhook block name, got ${JSON.stringify(a)}`, 'e.g. alerts: { webhook: "ops-hook" }');
  }
  if (a.on !== undefined && (!Array.isArray(a.on) || a.on.some((s) => !ALERT_STATES.includes(s)))) {
    bad(what, `alerts.on must list states from ${ALERT_STATES.join(", ")}, got ${JSON.stringify(a.on)}`, 'e.g. on: ["Failed", "Crashed"]');
  }
}

function validateRetryDelay(what: string, d: RetryDelay | undefined): void {
  if (d === undefined || typeof d === "function") return;
  const list = Array.isArray(d) ? d : [d];
  if (list.length === 0 || list.some((x) => typeof x !== "number" || !Number.isFinite(x) || x < 0)) {
    bad(what, `retryDelay must be seconds ≥ 0, a list of them, or a function, got ${JSON.stringify(d)}`, "e.g. retryDelay: [1, 5, 30]");
  }
}

/** Milliseconds to wait before retry `attempt` (1-based), jitter applied. */
export function retryDelayMs(delay: RetryDelay | undefined, attempt: number, jitter = 0, random = Math.random): number {
  let seconds: number;
  if (delay === undefined) seconds = 0;
  else if (typeof delay === "function") seconds = delay(attempt);
  else if (Array.isArray(delay)) seconds = delay[Math.min(attempt - 1, delay.length - 1)];
  else seconds = delay;
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  if (jitter > 0) seconds = Math.max(0, seconds * (1 + jitter * (2 * random() - 1)));
  return seconds * 1000;
}
