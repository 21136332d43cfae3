// /api routes for runs: the dashboard, the run list, one run (task runs, attempts, subflows), one task run,
// logs, and the two buttons: rerun from failure and cancel (the same runner functions the CLI calls).

import { inspect } from "node:util";
import type { Hono } from "hono";
import { CellflowError } from "../../core/errors.js";
import type { TaskRunRecord } from "../../core/records.js";
import { isRerunnable, isTerminal } from "../../core/states.js";
import { cancelRun, retryRun } from "../../runner/index.js";
import {
  changeCursor, countRunsOverTime, getFlowRunWithHistory, getTaskRunDetail, listAttentionRuns, listFlowNames,
  listArtifactRecords, listLogs, listRunSummaries, listRunTags, listSubflowRuns, listTaskRunBriefs, type TaskRunBrief,
} from "../../store/ui-queries.js";
import { listDeployments } from "../../deploy/index.js";
import type { AttemptView, DashboardData, FlowRunSummary, RunDetail, RunGraphData, RunsPage, TaskRunDetail } from "../shared/api-types.js";
import { queryNumber, reply, summary, type UiContext } from "./context.js";
import { encodeCursor } from "./cursor.js";

const DAY = 86_400_000;
const PREVIEW_CHARS = 4000;

async function subflowsOf(ui: UiContext, taskRuns: TaskRunBrief[]): Promise<Record<string, FlowRunSummary>> {
  const ids = taskRuns.filter((t) => t.subflowRunId).map((t) => t.id);
  const out: Record<string, FlowRunSummary> = {};
  for (const r of await listSubflowRuns(ui.store(), ids)) if (r.parentTaskRunId) out[r.parentTaskRunId] = summary(r);
  return out;
}

function attemptsOf(all: TaskRunBrief[], current: number): AttemptView[] {
  const byAttempt = new Map<number, AttemptView>();
  for (let a = 1; a <= current; a++) byAttempt.set(a, { attempt: a, taskRuns: 0, counts: {}, startTime: null, endTime: null });
  for (const t of all) {
    const view = byAttempt.get(t.flowAttempt) ?? { attempt: t.flowAttempt, taskRuns: 0, counts: {}, startTime: null, endTime: null };
    byAttempt.set(t.flowAttempt, view);
    view.taskRuns++;
    view.counts[t.state.name] = (view.counts[t.state.name] ?? 0) + 1;
    if (t.startTime !== null) view.startTime = Math.min(view.startTime ?? t.startTime, t.startTime);
    if (t.endTime !== null) view.endTime = Math.max(view.endTime ?? t.endTime, t.endTime);
  }
  return [...byAttempt.values()].sort((a, b) => b.attempt - a.attempt);
}

function resultPreview(ui: UiContext, ref: string | null, run: TaskRunRecord): TaskRunDetail["result"] {
  if (!ref) return { unavailable: run.state.type === "COMPLETED" ? "this task's result was not persisted" : `no result: the task run is ${run.state.name}` };
  try {
    const text = inspect(ui.store().loadResult(ref), { depth: 4, maxArrayLength: 50, maxStringLength: 2000, breakLength: 100 });
    return { preview: text.slice(0, PREVIEW_CHARS), truncated: text.length > PREVIEW_CHARS };
  } catch (error) {
    return { unavailable: `the stored result could not be read: ${(error as Error).message.split("\n")[0]}` };
  }
}

export function registerRunRoutes(app: Hono, ui: UiContext): void {
  app.get("/api/dashboard", async (c) => {
    const store = ui.store();
    const days = Math.max(1, Math.min(queryNumber(c.req.query("days"), 7), 90));
    const bucketMs = days <= 1 ? 3_600_000 : days <= 7 ? 6 * 3_600_000 : DAY;
    const now = Date.now();
    const since = Math.floor((now - days * DAY) / bucketMs) * bucketMs;
    const buckets: DashboardData["buckets"] = [];
    for (let t = since; t <= now; t += bucketMs) buckets.push({ start: t, counts: {} });
    const totals: DashboardData["totals"] = {};
    for (const row of await countRunsOverTime(store, since, bucketMs)) {
      const b = buckets[row.bucket];
      if (b) b.counts[row.state] = (b.counts[row.state] ?? 0) + row.count;
      totals[row.state] = (totals[row.state] ?? 0) + row.count;
    }
    const data: DashboardData = {
      since,
      bucketMs,
      buckets,
      totals,
      attention: (await listAttentionRuns(store, since, 12)).map(summary),
      recent: (await listRunSummaries(store, { limit: 12 })).runs.map(summary),
      deployments: listDeployments(store).length,
    };
    return reply(ui, c, data);
  });

  app.get("/api/runs", async (c) => {
    const q = c.req.query();
    const offset = Math.max(0, Math.floor(queryNumber(q.offset, 0)));
    const { runs, total } = await listRunSummaries(ui.store(), {
      state: q.state || undefined,
      flow: q.flow || undefined,
      deploymentId: q.deployment || undefined,
      tag: q.tag || undefined,
      search: q.q || undefined,
      offset,
      limit: Math.floor(queryNumber(q.limit, 100)),
    });
    const lists = q.flows !== "0";
    const page: RunsPage = { runs: runs.map(summary), total, offset, flows: lists ? await listFlowNames(ui.store()) : [], tags: lists ? await listRunTags(ui.store()) : [] };
    return reply(ui, c, page);
  });

  app.get("/api/runs/:id", async (c) => {
    const store = ui.store();
    const cursor = encodeCursor(await changeCursor(store));
    const found = await getFlowRunWithHistory(store, store.findFlowRun(c.req.param("id")).id);
    if (!found) throw new CellflowError("UNKNOWN_RUN", `no flow run '${c.req.param("id")}'`, "list runs on the Flow runs page");
    const { run, history } = found;
    const all = await listTaskRunBriefs(store, run.id);
    const taskRuns = all.filter((t) => t.flowAttempt === run.attempt);
    const parentTask = run.parentTaskRunId ? await getTaskRunDetail(store, run.parentTaskRunId) : null;
    const parentRun = parentTask ? await getFlowRunWithHistory(store, parentTask.run.flowRunId) : null;
    const rerunBlocked = !isRerunnable(run.state)
      ? `only Failed, Crashed or Cancelled runs can be rerun; this one is ${run.state.name}`
      : !run.entrypoint
        ? "it was started from a notebook cell or a REPL: rerun it there (%rerun)"
        : null;
    const detail: RunDetail = {
      run,
      history,
      taskRuns,
      attempts: attemptsOf(all, run.attempt),
      subflows: await subflowsOf(ui, taskRuns),
      parent: parentRun ? parentRun.run : null,
      canRerun: rerunBlocked === null,
      canCancel: !isTerminal(run.state),
      rerunBlocked,
      artifacts: await listArtifactRecords(store, { flowRunId: run.id }),
      cursor,
    };
    return reply(ui, c, detail);
  });

  app.get("/api/runs/:id/graph", async (c) => {
    const store = ui.store();
    const run = store.findFlowRun(c.req.param("id"));
    const taskRuns = (await listTaskRunBriefs(store, run.id)).filter((t) => t.flowAttempt === run.attempt);
    const { parameters: _p, entrypoint: _e, ...rest } = run;
    const data: RunGraphData = { run: rest, taskRuns, subflows: await subflowsOf(ui, taskRuns) };
    return reply(ui, c, data);
  });

  app.get("/api/runs/:id/logs", async (c) => {
    const store = ui.store();
    const run = store.findFlowRun(c.req.param("id"));
    store.flush();
    const logs = await listLogs(store, [run.id], { afterId: queryNumber(c.req.query("after"), 0), taskRunId: c.req.query("task") || undefined });
    return reply(ui, c, logs);
  });

  app.get("/api/task-runs/:id", async (c) => {
    const store = ui.store();
    const found = await getTaskRunDetail(store, c.req.param("id"));
    if (!found) throw new CellflowError("UNKNOWN_RUN", `no task run '${c.req.param("id")}'`, "open it from its run's page");
    const { run, history, resultRef } = found;
    const flow = (await getFlowRunWithHistory(store, run.flowRunId))?.run;
    if (!flow) throw new CellflowError("UNKNOWN_RUN", `task run ${run.id} belongs to no stored flow run`, "the flow run may have been removed");
    const siblings = (await listTaskRunBriefs(store, run.flowRunId)).filter((t) => t.flowAttempt === run.flowAttempt);
    const byId = new Map(siblings.map((t) => [t.id, t]));
    const brief = (t: TaskRunBrief) => ({ id: t.id, dynamicKey: t.dynamicKey, state: t.state });
    const cachedFrom = run.cachedFrom ? await getTaskRunDetail(store, run.cachedFrom) : null;
    const cachedFromRun = cachedFrom ? (await getFlowRunWithHistory(store, cachedFrom.run.flowRunId))?.run ?? null : null;
    const subflow = run.subflowRunId ? (await getFlowRunWithHistory(store, run.subflowRunId))?.run ?? null : null;
    const strip = <T extends { parameters?: unknown; entrypoint?: unknown }>(r: T) => {
      const { parameters: _p, entrypoint: _e, ...rest } = r;
      return rest;
    };
    const detail: TaskRunDetail = {
      taskRun: run,
      flowRun: strip(flow),
      history,
      upstream: run.upstream.map((id) => byId.get(id)).filter((t): t is TaskRunBrief => t !== undefined).map(brief),
      downstream: siblings.filter((t) => t.upstream.includes(run.id)).map(brief),
      result: resultPreview(ui, resultRef, run),
      logs: await listLogs(store, [run.flowRunId], { taskRunId: run.id }),
      cachedFromRun: cachedFromRun ? strip(cachedFromRun) : null,
      subflow: subflow ? strip(subflow) : null,
      artifacts: await listArtifactRecords(store, { taskRunId: run.id }),
    };
    return reply(ui, c, detail);
  });

  app.post("/api/runs/:id/retry", async (c) => {
    const store = ui.store();
    const record = store.findFlowRun(c.req.param("id"));
    let started!: () => void;
    const onStart = new Promise<void>((resolve) => (started = resolve));
    const outcome = retryRun(record.id, { onStart: () => started() });
    outcome.catch((error: unknown) => process.stderr.write(`cellflow ui: rerun of ${record.name} failed: ${(error as Error).message}\n`));
    // Errors before the run starts (not rerunnable, the flow file no longer loads) are the reply.
    await Promise.race([onStart, outcome]);
    return reply(ui, c, { id: record.id, attempt: record.attempt + 1 }, 202);
  });

  app.post("/api/runs/:id/cancel", async (c) => {
    const { record, immediate } = cancelRun(c.req.param("id"));
    return reply(ui, c, { id: record.id, state: record.state, immediate });
  });
}

