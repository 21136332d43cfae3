// /api routes for deployments: schedules and next runs, pause/resume, and a run with parameters validated by
// the flow's zod schema (sent to the form as JSON Schema) — the functions `cellflow deployments` calls.

import path from "node:path";
import type { Hono } from "hono";
import { z } from "zod";
import { CellflowError } from "../../core/errors.js";
import { findDeployment, listDeployments, nextDeploymentRuns, queueDeploymentRun, setPaused, type DeploymentRecord } from "../../deploy/index.js";
import { describeSchedule } from "../../schedule/index.js";
import { loadFlow } from "../../runner/load-flow.js";
import { splitEntrypoint } from "../../runner/index.js";
import { listRunSummaries } from "../../store/ui-queries.js";
import type { DeploymentDetail, DeploymentView, JsonSchema } from "../shared/api-types.js";
import { reply, summary, type UiContext } from "./context.js";

async function view(ui: UiContext, d: DeploymentRecord, now: number, recent: number): Promise<DeploymentView> {
  return {
    id: d.id,
    name: d.name,
    flowName: d.flowName,
    entrypoint: d.entrypoint,
    parameters: d.parameters,
    paused: d.paused,
    catchup: d.catchup,
    schedules: d.schedules.map((s) => ({ position: s.position, description: describeSchedule(s.schedule), active: s.schedule.active !== false })),
    nextRuns: d.paused ? [] : nextDeploymentRuns(d, now, 5).map(({ time, timezone }) => ({ time, timezone })),
    recentRuns: (await listRunSummaries(ui.store(), { deploymentId: d.id, limit: recent })).runs.map(summary),
  };
}

/** The flow's parameters as JSON Schema, loading its module as `deployments run` does. */
async function parameterSchema(d: DeploymentRecord): Promise<{ schema: JsonSchema | null; error: string | null }> {
  const { file, flowName } = splitEntrypoint(d.entrypoint);
  if (path.extname(file) === ".ipynb") return { schema: null, error: null };
  try {
    const flow = await loadFlow({ file, flowName });
    const schema = flow.definition.options.parameters;
    if (!schema) return { schema: null, error: null };
    return { schema: z.toJSONSchema(schema as z.ZodType, { unrepresentable: "any", io: "input" }) as JsonSchema, error: null };
  } catch (error) {
    return { schema: null, error: (error as Error).message.split("\n")[0] };
  }
}

function body(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function registerDeploymentRoutes(app: Hono, ui: UiContext): void {
  app.get("/api/deployments", async (c) => {
    const now = Date.now();
    const list = listDeployments(ui.store());
    return reply(ui, c, await Promise.all(list.map((d) => view(ui, d, now, 5))));
  });

  app.get("/api/deployments/:name", async (c) => {
    const d = findDeployment(ui.store(), c.req.param("name"));
    const { schema, error } = await parameterSchema(d);
    const detail: DeploymentDetail = { ...(await view(ui, d, Date.now(), 20)), parameterSchema: schema, schemaError: error };
    return reply(ui, c, detail);
  });

  for (const [verb, paused] of [["pause", true], ["resume", false]] as const) {
    app.post(`/api/deployments/:name/${verb}`, async (c) => {
      const position = body(await c.req.json().catch(() => ({}))).schedule;
      if (position !== undefined && (typeof position !== "number" || !Number.isInteger(position))) {
        throw new CellflowError("USAGE", `schedule '${String(position)}' is not a schedule number`, "send the number the deployment page shows, e.g. 1");
      }
      const d = setPaused(ui.store(), c.req.param("name"), paused, position as number | undefined);
      return reply(ui, c, await view(ui, d, Date.now(), 5));
    });
  }

  app.post("/api/deployments/:name/run", async (c) => {
    const parameters = body(await c.req.json().catch(() => ({}))).parameters;
    if (parameters !== undefined && (parameters === null || typeof parameters !== "object" || Array.isArray(parameters))) {
      throw new CellflowError("BAD_PARAMETERS", "parameters must be an object of name → value", 'send e.g. {"parameters": {"size": 10}}');
    }
    const run = await queueDeploymentRun(ui.store(), c.req.param("name"), (parameters ?? {}) as Record<string, unknown>);
    const { parameters: _p, entrypoint: _e, ...rest } = run;
    return reply(ui, c, rest, 201);
  });
}
