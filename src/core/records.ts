// The plain records that describe runs: what the store keeps, what events carry and what every front end renders.

import type { ErrorInfo } from "./errors.js";
import type { State } from "./states.js";

export interface FlowRunRecord {
  id: string;
  flowName: string;
  /** A readable run name, e.g. "etl-brave-otter". */
  name: string;
  state: State;
  parameters: Record<string, unknown>;
  /** The flow run's attempt: 1 for the first execution, +1 for each rerun from failure. */
  attempt: number;
  startTime: number | null;
  endTime: number | null;
  createdAt: number;
  /** "<absolute file>:<flow name>" so a new process can load the flow again; null for ad-hoc runs. */
  entrypoint: string | null;
  /** The task run in the parent flow run that stands for this subflow run. */
  parentTaskRunId: string | null;
  deploymentId: string | null;
  tags: string[];
  error?: ErrorInfo;
  /** For a run a deployment scheduled: when it is (or was) due, in ms since the epoch. */
  scheduledTime?: number;
  /** Set when the run's task runs go to task workers (`run --distributed`, or the flow's option): a rerun does so too. */
  taskRunner?: "distributed";
}

export interface TaskInput {
  /** The parameter name when it could be read from the function, else "arg0", "arg1", … */
  name: string;
  /** "task_run" when the value came from another task run (a future or a returned object). */
  kind: "task_run" | "value" | "wait_for";
  /** The upstream task run id for "task_run" and "wait_for" inputs. */
  taskRunId?: string;
  /** Hash of the value, used to explain cache decisions. */
  hash?: string;
}

export interface TaskRunRecord {
  id: string;
  flowRunId: string;
  /** The flow run attempt this task run belongs to. */
  flowAttempt: number;
  taskName: string;
  /** "<task name>-<n>": the n-th call of that task in its flow run; stable across reruns. */
  dynamicKey: string;
  state: State;
  inputs: TaskInput[];
  /** Upstream task run ids (data edges and waitFor edges). */
  upstream: string[];
  cacheKey: string | null;
  /** Why it executed or came from cache: "cached: from run etl-icy-badger (2147fa7f)", "executed: input `rows` changed", … */
  cacheReason: string;
  /** The task run whose persisted result this one returned, for Cached runs. */
  cachedFrom: string | null;
  /** Executions including retries. */
  runCount: number;
  startTime: number | null;
  endTime: number | null;
  tags: string[];
  /** For a subflow call: the child flow run. */
  subflowRunId: string | null;
  error?: ErrorInfo;
}

export interface LogRecord {
  flowRunId: string;
  taskRunId: string | null;
  level: "debug" | "info" | "warning" | "error";
  message: string;
  timestamp: number;
}

/** A flow run with its task runs: what `runs show`, the live DAG and the terminal UI render. */
export interface RunGraph {
  flowRun: FlowRunRecord;
  taskRuns: TaskRunRecord[];
  /** The graphs of subflow runs, by the id of the task run that stands for each in this run. */
  subflows?: Record<string, RunGraph>;
}

export type RunEvent =
  | { kind: "flow"; run: FlowRunRecord }
  | { kind: "task"; run: TaskRunRecord }
  | { kind: "log"; log: LogRecord };

export type ArtifactType = "table" | "markdown" | "link";

/** table: `{ rows }` (records, or arrays under `columns`); markdown: `{ markdown }`; link: `{ url, text? }`. */
export type ArtifactData =
  | { rows: unknown[]; columns?: string[] }
  | { markdown: string }
  | { url: string; text?: string };

/** One version of an artifact (Prefect's table / markdown / link artifacts), attached to the run that made it. */
export interface ArtifactRecord {
  id: string;
  key: string;
  /** 1 for the first artifact with this key, +1 for each later one. */
  version: number;
  type: ArtifactType;
  description: string;
  data: ArtifactData;
  flowRunId: string | null;
  taskRunId: string | null;
  createdAt: number;
}

/** A task run as the web UI's run page lists and draws it: no inputs, tags, cache key, error or history (its own page has those). */
export type TaskRunBrief = Pick<TaskRunRecord, "id" | "flowRunId" | "flowAttempt" | "taskName" | "dynamicKey" | "state" | "upstream" | "cacheReason" | "runCount" | "startTime" | "endTime" | "subflowRunId">;
