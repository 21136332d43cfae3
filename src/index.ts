// The public API of cellflow: everything users import comes through here, by name.

export { version } from "./version.js";

export { task, unmapped } from "./engine/task.js";
export type { Task, TaskCallOptions, MaybeFuture, Unmapped } from "./engine/task.js";
export { flow } from "./engine/flow.js";
export type { Flow, FlowRun } from "./engine/flow.js";
export { TaskFuture } from "./engine/future.js";
export type { TaskFutureList } from "./engine/future.js";
export type { TaskOptions, FlowOptions, CachePolicy, RetryDelay, CacheKeyContext } from "./engine/options.js";
export { getRunContext } from "./engine/context.js";
export type { RunInfo } from "./engine/context.js";
export { getRunLogger } from "./engine/logger.js";
export type { RunLogger } from "./engine/logger.js";
export { subscribe } from "./engine/events.js";
export type { RunEventListener } from "./engine/events.js";
export { configureStore } from "./engine/engine.js";
export { CancelledError, TimeoutError } from "./engine/engine.js";
export { UpstreamFailedError } from "./engine/task-run.js";
export { CellflowError } from "./core/errors.js";
export type { ErrorCode, ErrorInfo } from "./core/errors.js";
export type { State, StateType, StateName } from "./core/states.js";
export type { FlowRunRecord, TaskRunRecord, TaskInput, LogRecord, RunGraph, RunEvent } from "./core/records.js";
export { display, clearOutput } from "./display/index.js";
export type { Display, DisplayHandle } from "./display/index.js";
export { useTslabDisplay } from "./display/index.js";
export { artifact } from "./display/artifact.js";
export type { ArtifactOptions } from "./display/artifact.js";
export type { ArtifactRecord, ArtifactType, ArtifactData } from "./core/records.js";
export { getResult } from "./engine/get-result.js";
export type { FlowDeployOptions, FlowServeOptions, FlowDeployment } from "./engine/flow-deploy.js";
export { Block, SecretBlock, JsonBlock, SqlBlock, FilesystemBlock, WebhookBlock } from "./blocks/block.js";
export type { BlockOf } from "./blocks/block.js";
export { connectSql } from "./blocks/sql-client.js";
export type { SqlClient, SqlRow } from "./blocks/sql-client.js";
export type { BlockType, BlockValue } from "./blocks/types.js";
export type { FlowAlerts, AlertState } from "./engine/options.js";

// Not an export: turns on alerting (the `alerts` flow option) for flows run through the library. An exception
// to "only named re-exports", since the engine must not import the alerts layer above it.
import "./alerts/install.js";
// Likewise: gives flows their serve() and deploy(), which live in the worker and deploy layers (loaded on first use).
import "./worker/install-serve.js";
