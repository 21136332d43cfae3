// The web UI's JSON API as types: what each /api route returns, shared by the server and the front end.

import type { ErrorInfo } from "../../core/errors.js";
import type { ArtifactRecord, LogRecord, TaskRunBrief, TaskRunRecord } from "../../core/records.js";
import type { State, StateType } from "../../core/states.js";

export type { State, StateType, TaskRunRecord, TaskRunBrief, ErrorInfo, ArtifactRecord };

/** A flow run as lists show it (no parameters). */
export interface FlowRunSummary {
  id: string;
  name: string;
  flowName: string;
  state: State;
  attempt: number;
  startTime: number | null;
  endTime: number | null;
  createdAt: number;
  parentTaskRunId: string | null;
  deploymentId: string | null;
  tags: string[];
  scheduledTime?: number;
  error?: ErrorInfo;
}

export interface FlowRunFull extends FlowRunSummary {
  parameters: Record<string, unknown>;
  entrypoint: string | null;
}

export type LogView = LogRecord & { id: number };

/** GET /api/dashboard */
export interface DashboardData {
  since: number;
  bucketMs: number;
  /** Per bucket (oldest first) and state: how many runs were created then and are in that state now. */
  buckets: Array<{ start: number; counts: Partial<Record<StateType | "LATE", number>> }>;
  totals: Partial<Record<StateType | "LATE", number>>;
  /** Late, then Failed and Crashed runs. */
  attention: FlowRunSummary[];
  recent: FlowRunSummary[];
  deployments: number;
}

/** GET /api/runs?state&flow&q&deployment&offset&limit */
export interface RunsPage {
  runs: FlowRunSummary[];
  total: number;
  offset: number;
  flows: string[];
  tags: string[];
}

export interface AttemptView {
  attempt: number;
  taskRuns: number;
  counts: Partial<Record<string, number>>;
  startTime: number | null;
  endTime: number | null;
}

/** GET /api/runs/:id */
export interface RunDetail {
  run: FlowRunFull;
  history: State[];
  /** The current attempt's task runs, as briefs: a 10,000-task run's page must load in well under a second. */
  taskRuns: TaskRunBrief[];
  attempts: AttemptView[];
  /** Flow runs of subflow calls in this run, by the calling task run's id. */
  subflows: Record<string, FlowRunSummary>;
  parent: FlowRunSummary | null;
  canRerun: boolean;
  canCancel: boolean;
  /** Why rerun is not offered, when it is not. */
  rerunBlocked: string | null;
  /** Artifacts this run (and its task runs) made, in the order they were made. */
  artifacts: ArtifactView[];
  /** Where the live stream for this page starts. */
  cursor: string;
}

/** GET /api/runs/:id/graph — a subflow's task runs, when a graph node is expanded. */
export interface RunGraphData {
  run: FlowRunSummary;
  taskRuns: TaskRunBrief[];
  subflows: Record<string, FlowRunSummary>;
}

/** GET /api/task-runs/:id */
export interface TaskRunDetail {
  taskRun: TaskRunRecord;
  flowRun: FlowRunSummary;
  history: State[];
  upstream: Array<{ id: string; dynamicKey: string; state: State }>;
  downstream: Array<{ id: string; dynamicKey: string; state: State }>;
  /** A preview of the stored result (util.inspect, cut), or why there is none. */
  result: { preview: string; truncated: boolean } | { unavailable: string };
  logs: LogView[];
  cachedFromRun: FlowRunSummary | null;
  subflow: FlowRunSummary | null;
  artifacts: ArtifactView[];
}

/** An artifact version as the store keeps it (table, markdown or link). */
export type ArtifactView = ArtifactRecord;

/** GET /api/artifacts */
export interface ArtifactsPage {
  /** The newest version of each key (or every version of `?key=`), newest first. */
  artifacts: ArtifactView[];
}

export interface ScheduleView {
  position: number;
  description: string;
  active: boolean;
}

/** GET /api/deployments (list) and /api/deployments/:name (with `parameterSchema`). */
export interface DeploymentView {
  id: string;
  name: string;
  flowName: string;
  entrypoint: string;
  parameters: Record<string, unknown>;
  paused: boolean;
  catchup: string;
  schedules: ScheduleView[];
  nextRuns: Array<{ time: string; timezone: string }>;
  recentRuns: FlowRunSummary[];
}

export interface DeploymentDetail extends DeploymentView {
  /** The flow's parameters as JSON Schema (from its zod schema), null when the flow declares none. */
  parameterSchema: JsonSchema | null;
  /** Why the schema could not be read (the flow file failed to load), if so. */
  schemaError: string | null;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
}

/** GET /api/workers */
export interface WorkerView {
  owner: string;
  host: string;
  pid: number;
  alive: boolean | "unknown";
  lastHeartbeat: number;
  running: number;
  claimed: number;
}

export interface BlockFieldView {
  name: string;
  kind: "string" | "json" | "headers";
  secret: boolean;
  required: boolean;
  placeholder: string;
}

/** GET /api/blocks */
export interface BlocksPage {
  types: Array<{ type: string; fields: BlockFieldView[] }>;
  blocks: Array<{ type: string; name: string; createdAt: number; updatedAt: number }>;
}

/** GET /api/blocks/:type/:name: the value with every secret part replaced by null. */
export interface BlockDetail {
  type: string;
  name: string;
  value: unknown;
  /** Fields whose stored value is secret (never sent); leave them empty on save to keep them. */
  secretFields: string[];
  createdAt: number;
  updatedAt: number;
}

/** Every error: status 4xx/5xx with this body. */
export interface ApiError {
  error: { code: string; message: string; hint: string };
}

/** One Server-Sent Event (`event: batch`): what changed since the last one; `cursor` is also the event id. */
export interface LiveBatch {
  cursor: string;
  flowRuns: FlowRunSummary[];
  taskRuns: TaskRunBrief[];
  logs: LogView[];
}
