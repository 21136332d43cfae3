// The deploy package's public door: build, save and look up deployments; plan their runs; queue ad-hoc runs.

export type { CatchupPolicy, DeploymentAlert, DeploymentInput, DeploymentRecord, DeploymentSchedule } from "./types.js";
export { CATCHUP_POLICIES } from "./types.js";
export { buildDeployment, planSchedules, PRECOMPUTED_TIMES } from "./deploy.js";
export { findDeployment, getDeploymentById, listDeployments, removeDeployment, saveDeployments, setPaused } from "./deployment-store.js";
export { schedulerPass, DEFAULT_LATE_AFTER_MS } from "./scheduler.js";
export type { SchedulerPass } from "./scheduler.js";
export type { PlanOptions } from "./plan.js";
export { nextDeploymentRuns } from "./next-times.js";
export type { UpcomingRun } from "./next-times.js";
export { queueDeploymentRun } from "./queue.js";
export { readProjectFile, PROJECT_FILE } from "./project-file.js";
export { parseYaml } from "./yaml-file.js";
