// Turning what a user wrote (CLI flags or cellflow.yaml) into a checked deployment: the flow loads, the default
// parameters pass its schema, schedules parse, alert webhooks exist. Nothing is saved until all of it holds.

import fs from "node:fs";
import path from "node:path";
import { CellflowError } from "../core/errors.js";
import { ALERT_STATES, type AlertState } from "../engine/options.js";
import { checkFlowParameterNames, validateParameters } from "../engine/parameters.js";
import { hasBlock } from "../blocks/store.js";
import { loadFlow, parseFlowSpec } from "../runner/load-flow.js";
import type { Flow } from "../engine/flow.js";
import { nextRunTimes, parseSchedule } from "../schedule/index.js";
import type { Store } from "../store/store.js";
import { CATCHUP_POLICIES, type CatchupPolicy, type DeploymentAlert, type DeploymentInput, type DeploymentRecord, type DeploymentSchedule } from "./types.js";

/** Run times computed when a schedule is saved, so neither the worker nor `inspect` starts from zero. */
export const PRECOMPUTED_TIMES = 10;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function checkName(name: unknown): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new CellflowError("DEPLOYMENT", `deployment name ${JSON.stringify(name) ?? "(missing)"} is not allowed`, "use letters, digits, '-', '_' and '.', e.g. --name etl-nightly");
  }
  return name;
}

function checkCatchup(value: unknown, name: string): CatchupPolicy {
  if (value === undefined) return "once";
  if (typeof value === "string" && (CATCHUP_POLICIES as readonly string[]).includes(value)) return value as CatchupPolicy;
  throw new CellflowError("DEPLOYMENT", `deployment '${name}': unknown catch-up policy ${JSON.stringify(value)}`, `use one of ${CATCHUP_POLICIES.join(", ")}`);
}

function checkAlerts(store: Store, alerts: DeploymentInput["alerts"], name: string): DeploymentAlert[] {
  return (alerts ?? []).map((alert) => {
    const webhook = typeof alert === "string" ? alert : alert?.webhook;
    const on = (typeof alert === "string" ? undefined : alert.on) ?? ["Failed", "Crashed", "Late"];
    if (typeof webhook !== "string" || !hasBlock(store, "webhook", webhook)) {
      throw new CellflowError("BLOCK", `deployment '${name}': alert webhook block '${String(webhook)}' does not exist`, `create it first: cellflow blocks create webhook ${String(webhook)} --value '{"url":"https://…"}'`);
    }
    const bad = on.find((s) => !(ALERT_STATES as readonly string[]).includes(s));
    if (bad !== undefined) throw new CellflowError("DEPLOYMENT", `deployment '${name}': cannot alert on '${bad}'`, `use ${ALERT_STATES.join(", ")}`);
    return { webhook, on: on as AlertState[] };
  });
}

/** Load the entry point: "<abs file>:<flow>" and the flow's name, with the parameters checked where a schema exists. */
async function resolveEntrypoint(spec: string, parameters: Record<string, unknown>, cwd: string, name: string, loaded?: Flow<any, any>): Promise<{ entrypoint: string; flowName: string }> {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new CellflowError("DEPLOYMENT", `deployment '${name}' has no entry point`, "give a file like flows/etl.ts:etl");
  }
  const parsed = parseFlowSpec(spec, cwd);
  if (!fs.existsSync(parsed.file)) {
    throw new CellflowError("DEPLOYMENT", `deployment '${name}': ${path.relative(cwd, parsed.file) || parsed.file} does not exist`, "give the path of a .ts, .js or .ipynb file");
  }
  if (parsed.file.endsWith(".ipynb")) {
    // A notebook run's flow is the notebook session, named after the file; its parameters cell declares the names.
    // Loaded here only: the parameters cell is read with the TypeScript parser, which every `deployments` command
    // would otherwise load (~1 s of CPU) through this module.
    const { checkNotebookParameters, readNotebook } = await import("../notebook/index.js");
    checkNotebookParameters(parsed.file, readNotebook(parsed.file).cells, parameters);
    return { entrypoint: `${parsed.file}:${path.basename(parsed.file, ".ipynb")}`, flowName: path.basename(parsed.file, ".ipynb") };
  }
  // A flow deploying itself (flow.serve / flow.deploy) is already loaded: importing its module again from inside
  // that module's own evaluation would wait for itself.
  const flow = loaded ?? (await loadFlow(parsed));
  checkFlowParameterNames(flow.definition, parameters);
  validateParameters(flow.flowName, flow.definition.options.parameters, parameters);
  return { entrypoint: `${parsed.file}:${flow.flowName}`, flowName: flow.flowName };
}

/** The schedules of a deployment, numbered, planned from `now` (no catch-up for times before it was deployed). */
export function planSchedules(inputs: unknown[], now: number): DeploymentSchedule[] {
  return inputs.map((input, index) => {
    const schedule = parseSchedule(input);
    return {
      id: crypto.randomUUID(),
      position: index + 1,
      schedule,
      scheduledThrough: now,
      upcoming: nextRunTimes(schedule, new Date(now), PRECOMPUTED_TIMES).map((d) => d.getTime()),
    };
  });
}

/**
 * Check a deployment completely and return its record (not saved). Throws a one-line CellflowError naming
 * the deployment, the field and the fix.
 */
export async function buildDeployment(store: Store, input: DeploymentInput, cwd = process.cwd(), loaded?: Flow<any, any>): Promise<DeploymentRecord> {
  const name = checkName(input.name);
  const parameters = input.parameters ?? {};
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    throw new CellflowError("DEPLOYMENT", `deployment '${name}': parameters must be a mapping of names to values`, "e.g. parameters: { size: 10 }");
  }
  const catchup = checkCatchup(input.catchup, name);
  const alerts = checkAlerts(store, input.alerts, name);
  const now = Date.now();
  let schedules: DeploymentSchedule[];
  try {
    schedules = planSchedules(input.schedules ?? [], now);
  } catch (error) {
    if (error instanceof CellflowError) throw new CellflowError(error.code, `deployment '${name}': ${error.message.split(" — ")[0]}`, error.hint, { cause: error });
    throw error;
  }
  const { entrypoint, flowName } = await resolveEntrypoint(input.entrypoint, parameters, cwd, name, loaded);
  return { id: crypto.randomUUID(), name, entrypoint, flowName, parameters, catchup, alerts, paused: input.paused === true, schedules, createdAt: now, updatedAt: now };
}
