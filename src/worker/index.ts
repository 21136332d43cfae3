// The worker package's public door: the worker loop, claiming, and the child-side run of one claimed run.

export { MAX_IDLE_CHILDREN, Worker } from "./worker.js";
export type { WorkerOptions, WorkerSummary } from "./worker.js";
export { claimDueRuns, nextDueTime } from "./claim.js";
export { runClaimedRun } from "./run-one.js";
