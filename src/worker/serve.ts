// flow.deploy() and flow.serve(), Prefect's "code way": save the deployment (validated as `cellflow deploy` does),
// and for serve() run its scheduled and requested runs in this process, with a worker's claims, until stopped.

import { CellflowError, describeError, toErrorInfo } from "../core/errors.js";
import type { FlowRunRecord } from "../core/records.js";
import { sleep } from "../engine/concurrency.js";
import { CancelledError, getEngine } from "../engine/engine.js";
import type { Flow } from "../engine/flow.js";
import type { FlowDeployer, FlowDeployment, FlowDeployOptions, FlowServeOptions } from "../engine/flow-deploy.js";
import { runFlow } from "../engine/flow-run.js";
import { validateParameters } from "../engine/parameters.js";
import { buildDeployment, findDeployment, saveDeployments, schedulerPass, DEFAULT_LATE_AFTER_MS, type DeploymentInput } from "../deploy/index.js";
import { isLoadingFlows } from "../runner/load-flow.js";
import { ownerId } from "../store/owner.js";
import { claimDueRuns, nextDueTime, touchClaimed } from "./claim.js";

function schedulesOf(o: FlowDeployOptions): unknown[] {
  const timezone = o.timezone;
  const out: unknown[] = [];
  if (o.cron !== undefined) out.push({ kind: "cron", expression: o.cron, timezone });
  if (o.interval !== undefined) out.push({ kind: "interval", every: o.interval, timezone });
  if (o.rrule !== undefined) out.push({ kind: "rrule", rule: o.rrule, timezone });
  return out;
}

function summary(d: { id: string; name: string; flowName: string; entrypoint: string }): FlowDeployment {
  return { id: d.id, name: d.name, flowName: d.flowName, entrypoint: d.entrypoint };
}

/**
 * A module that serves its own flow is imported again by cellflow (a worker's child, `cellflow run`, `deploy`)
 * to find that flow; there serve() and deploy() must not save or serve again.
 */
function loadedByCellflow(): boolean {
  return isLoadingFlows() || process.env.CELLFLOW_WORKER_CHILD === "1";
}

async function deployFlow(flow: Flow<any, any>, options: FlowDeployOptions): Promise<FlowDeployment> {
  if (typeof options !== "object" || options === null) {
    throw new CellflowError("DEPLOYMENT", `${flow.flowName}.deploy() needs options with a name`, `e.g. await ${flow.flowName}.deploy({ name: "${flow.flowName}-nightly", cron: "0 2 * * *" })`);
  }
  const store = getEngine().store;
  if (loadedByCellflow()) {
    try {
      return summary(findDeployment(store, String(options.name)));
    } catch {
      return { id: "", name: String(options.name), flowName: flow.flowName, entrypoint: flow.definition.entrypoint ?? "" };
    }
  }
  const entrypoint = flow.definition.entrypoint;
  if (!entrypoint) {
    throw new CellflowError("DEPLOYMENT", `flow '${flow.flowName}' has no file to deploy from (it was defined in a notebook cell or a REPL)`, "define the flow in a .ts or .js file and call deploy() or serve() there");
  }
  const input: DeploymentInput = { name: options.name, entrypoint, parameters: options.parameters, schedules: schedulesOf(options), catchup: options.catchup, alerts: options.alerts };
  const record = await buildDeployment(store, input, process.cwd(), flow);
  saveDeployments(store, [record]);
  return summary(record);
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

async function serveFlow(flow: Flow<any, any>, options: FlowServeOptions): Promise<FlowDeployment> {
  const deployment = await deployFlow(flow, options);
  if (loadedByCellflow()) return deployment;
  const limit = options.limit ?? 4;
  if (!Number.isInteger(limit) || limit < 1) throw new CellflowError("DEPLOYMENT", `serve limit ${String(options.limit)} is not a whole number ≥ 1`, "e.g. limit: 4");
  const pollMs = options.pollMs ?? 1000;
  const out = options.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const log = (message: string) => out(`${clock()} serve: ${message}`);
  const store = getEngine().store;
  const owner = ownerId();
  const running = new Map<string, Promise<void>>();
  let stopping = false;
  let wakeUp: (() => void) | null = null;
  const wake = () => wakeUp?.();
  const stop = () => {
    // A second signal cancels the runs still going.
    if (stopping) for (const id of running.keys()) getEngine().live.get(id)?.controller.abort(new CancelledError("cancelled: serve() was interrupted twice"));
    stopping = true;
    wake();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  options.signal?.addEventListener("abort", stop);
  if (options.signal?.aborted) stopping = true;

  const execute = async (run: FlowRunRecord): Promise<void> => {
    log(`run ${run.name} (${run.id.slice(0, 8)}) starting`);
    let final: FlowRunRecord;
    try {
      const params = validateParameters(flow.flowName, flow.definition.options.parameters, run.parameters) as Record<string, unknown>;
      final = (await runFlow(flow.definition, params, { adopt: run })).record;
    } catch (error) {
      store.setFlowRunState(run.id, "Failed", `could not start: ${describeError(toErrorInfo(error))}`.split(" — ")[0]);
      final = store.findFlowRun(run.id);
    }
    log(`run ${final.name} (${final.id.slice(0, 8)}) ${final.state.name}${final.state.type === "COMPLETED" ? "" : `: ${final.state.message}`}`);
  };

  log(`serving deployment ${deployment.name} of flow ${flow.flowName} in process ${process.pid}; Ctrl-C stops`);
  try {
    while (!stopping) {
      store.reapCrashed();
      const now = Date.now();
      schedulerPass(store, now, { lateAfterMs: DEFAULT_LATE_AFTER_MS });
      for (const run of claimDueRuns(store, owner, limit - running.size, now, deployment.id)) {
        const done = execute(run).finally(() => {
          running.delete(run.id);
          wake();
        });
        running.set(run.id, done);
      }
      touchClaimed(store, owner, [...running.keys()]);
      const due = nextDueTime(store, deployment.id);
      const untilDue = due === null || running.size >= limit ? pollMs : Math.max(10, due - Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(pollMs, untilDue));
        function done(): void {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        }
        wakeUp = done;
      });
    }
    if (running.size) log(`stopping: waiting for ${running.size} run${running.size === 1 ? "" : "s"} to finish (Ctrl-C again cancels)`);
    await Promise.all(running.values());
    store.flush();
    log(`stopped`);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    options.signal?.removeEventListener("abort", stop);
  }
  await sleep(0);
  return deployment;
}

export const flowDeployer: FlowDeployer = { deployFlow, serveFlow };
