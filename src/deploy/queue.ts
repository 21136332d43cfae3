// Ad-hoc deployment runs: default and given parameters merged and validated, then one Scheduled run due now.

import path from "node:path";
import type { FlowRunRecord } from "../core/records.js";
import { checkFlowParameterNames, validateParameters } from "../engine/parameters.js";
import { loadFlow } from "../runner/load-flow.js";
import { splitEntrypoint } from "../runner/runs.js";
import type { Store } from "../store/store.js";
import { findDeployment } from "./deployment-store.js";
import { insertScheduledRun } from "./run-rows.js";

/**
 * Queue a run of a deployment, due now, for a worker. Parameters override the deployment's defaults and are
 * validated against the flow's schema first: an unknown name or a bad value throws and nothing is queued.
 */
export async function queueDeploymentRun(store: Store, name: string, overrides: Record<string, unknown> = {}): Promise<FlowRunRecord> {
  const deployment = findDeployment(store, name);
  const parameters = { ...deployment.parameters, ...overrides };
  const { file, flowName } = splitEntrypoint(deployment.entrypoint);
  if (path.extname(file) === ".ipynb") {
    // Loaded only for notebooks: it brings the TypeScript parser, which no other deployments command needs.
    const { checkNotebookParameters, readNotebook } = await import("../notebook/index.js");
    checkNotebookParameters(file, readNotebook(file).cells, overrides);
  } else {
    const flow = await loadFlow({ file, flowName });
    checkFlowParameterNames(flow.definition, overrides);
    validateParameters(flow.flowName, flow.definition.options.parameters, parameters);
  }
  const id = insertScheduledRun(store, deployment, Date.now(), parameters, "requested by `cellflow deployments run`", false)!;
  return store.findFlowRun(id);
}
