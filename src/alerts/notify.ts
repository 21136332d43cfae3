// The alerting subscriber: when a run ends Failed or Crashed (or a worker finds it Late), POST alertBody() to the
// webhook blocks its flow options and its deployment name. Delivery is logged on the run; it never changes the run.

import type { FlowRunRecord } from "../core/records.js";
import type { State } from "../core/states.js";
import { describeError, toErrorInfo } from "../core/errors.js";
import { getEngine } from "../engine/engine.js";
import { onFlowRunEnd } from "../engine/flow-end.js";
import { globalSingleton } from "../engine/global.js";
import { engineLog } from "../engine/logger.js";
import { addSecret } from "../core/redaction.js";
import type { AlertState, FlowAlerts } from "../engine/options.js";
import { readBlock } from "../blocks/store.js";
import { secretParts } from "../blocks/mask.js";
import { alertBody, postWebhook, type WebhookOptions } from "./webhook.js";

/** Whether a run's state is one an alert rule asks for: "Failed" covers TimedOut (type FAILED). */
export function matchesAlertState(state: Pick<State, "type" | "name">, on: readonly AlertState[]): AlertState | null {
  if (state.type === "FAILED" && on.includes("Failed")) return "Failed";
  if (state.type === "CRASHED" && on.includes("Crashed")) return "Crashed";
  if (state.name === "Late" && on.includes("Late")) return "Late";
  return null;
}

/** The webhook blocks to alert for this run's state (its flow's rule and its deployment's rules, each block once), and the deployment's name. */
function webhooksFor(run: FlowRunRecord, flowAlerts: FlowAlerts | undefined): { names: string[]; deploymentName: string | null } {
  const names = new Set<string>();
  let deploymentName: string | null = null;
  if (flowAlerts && matchesAlertState(run.state, flowAlerts.on ?? ["Failed", "Crashed"])) names.add(flowAlerts.webhook);
  if (run.deploymentId) {
    const row = getEngine().store.deployments.byId(run.deploymentId);
    deploymentName = row?.name ?? null;
    for (const rule of row ? (JSON.parse(row.alerts) as Array<{ webhook: string; on: AlertState[] }>) : []) {
      if (matchesAlertState(run.state, rule.on)) names.add(rule.webhook);
    }
  }
  return { names: [...names], deploymentName };
}

/**
 * Send the alerts a run's current state calls for. Each delivery (or failure) is one log line on the run.
 * @example await sendRunAlerts(run, { webhook: "ops-hook" })
 */
export async function sendRunAlerts(run: FlowRunRecord, flowAlerts?: FlowAlerts, options: Omit<WebhookOptions, "headers"> = {}): Promise<void> {
  let names: string[];
  let deploymentName: string | null;
  try {
    ({ names, deploymentName } = webhooksFor(run, flowAlerts));
  } catch (error) {
    engineLog("warning", `alerts could not be read: ${describeError(toErrorInfo(error))}`, run.id, null);
    return;
  }
  const retryDelayMs = Number(process.env.CELLFLOW_ALERT_RETRY_MS) || options.retryDelayMs;
  await Promise.all(
    names.map(async (name) => {
      let hook;
      try {
        hook = readBlock(getEngine().store, "webhook", name);
      } catch (error) {
        engineLog("warning", `alert for ${run.state.name} not sent: ${(error as Error).message}`, run.id, null);
        return;
      }
      for (const secret of secretParts("webhook", hook)) addSecret(secret);
      const body = alertBody({ flowName: run.flowName, flowRunId: run.id, flowRunName: run.name, deploymentName, state: run.state, message: run.state.message });
      const result = await postWebhook(hook.url, body, { ...options, retryDelayMs, headers: hook.headers ?? {} });
      if (result.ok) engineLog("info", `alert sent to webhook '${name}' (${run.state.name})`, run.id, null);
      else engineLog("warning", `alert to webhook '${name}' failed after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}: ${result.error}`, run.id, null);
    }),
  );
  getEngine().store.flush();
}

/** Register the subscriber once per process: every flow run that ends is checked against its alert rules. */
export function installAlerts(): void {
  const state = globalSingleton("alertsInstalled", () => ({ installed: false }));
  if (state.installed) return;
  state.installed = true;
  onFlowRunEnd(async (run, options) => {
    if (run.state.type !== "FAILED" && run.state.type !== "CRASHED") return;
    if (!options.alerts && !run.deploymentId) return;
    await sendRunAlerts({ ...run }, options.alerts);
  });
}
