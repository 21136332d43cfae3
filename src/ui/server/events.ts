// The live stream: one Server-Sent Events connection per tab. Every tick (at most 10 a second) it reads what
// changed after its cursor — flow runs and task runs by their change `seq`, logs by id — from the store, so
// runs in other processes show up as well as this one's; the cursor is the event id, so a reconnect resumes.

import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { changeCursor, flowRunOfTaskRun, flowRunsChangedSince, listLogs, listSubflowCallIds, listSubflowRuns, taskRunsChangedSince } from "../../store/ui-queries.js";
import type { LiveBatch } from "../shared/api-types.js";
import { summary, type UiContext } from "./context.js";
import { decodeCursor, encodeCursor, type Cursor } from "./cursor.js";

/** Time between reads of the store (SQLite; on PostgreSQL a commit's notification wakes the feed sooner). */
export const TICK_MS = 100;
const KEEPALIVE_MS = 15_000;
const LOG_BATCH = 2000;

/** The run and every subflow run below it (they show in the run's graph when expanded). */
async function runFamily(ui: UiContext, runId: string): Promise<Set<string>> {
  const runs = new Set([runId]);
  let frontier = [runId];
  while (frontier.length) {
    const children = await listSubflowRuns(ui.store(), await listSubflowCallIds(ui.store(), frontier));
    frontier = children.map((r) => r.id).filter((id) => !runs.has(id));
    for (const id of frontier) runs.add(id);
  }
  return runs;
}

export function registerEventRoutes(app: Hono, ui: UiContext): void {
  app.get("/api/events", (c) => {
    const runId = c.req.query("run") || null;
    const resume = decodeCursor(c.req.header("last-event-id") ?? c.req.query("cursor"));
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      const store = ui.store();
      const cursor: Cursor = resume ?? (await changeCursor(store));
      const family = runId ? await runFamily(ui, store.findFlowRun(runId).id) : null;
      let lastSent = Date.now();
      await stream.writeSSE({ event: "hello", id: encodeCursor(cursor), data: JSON.stringify({ cursor: encodeCursor(cursor) }) });
      while (!closed) {
        store.flush();
        const batch: LiveBatch = { cursor: "", flowRuns: [], taskRuns: [], logs: [] };
        const top = await changeCursor(store);
        if (family) {
          const members = [...family];
          const tasks = await taskRunsChangedSince(store, members, cursor.task, 5000);
          // Bound the next read by the newest seq seen now: rows of other runs are skipped once, not re-read.
          cursor.task = tasks.length === 5000 ? tasks[tasks.length - 1].seq : Math.max(top.task, tasks.at(-1)?.seq ?? 0);
          const logs = await listLogs(store, members, { afterId: cursor.log, limit: LOG_BATCH });
          cursor.log = logs.length === LOG_BATCH ? logs[logs.length - 1].id : Math.max(top.log, logs.at(-1)?.id ?? 0);
          batch.taskRuns = tasks.map(({ seq: _seq, ...t }) => t);
          batch.logs = logs;
        } else {
          cursor.task = top.task;
          cursor.log = top.log;
        }
        const flows = await flowRunsChangedSince(store, cursor.flow, 500);
        if (flows.length) cursor.flow = flows[flows.length - 1].seq;
        for (const f of flows) {
          if (family && !family.has(f.id) && f.parentTaskRunId && family.has((await flowRunOfTaskRun(store, f.parentTaskRunId)) ?? "")) {
            // A subflow started by a task of this run joins the family, with what it already wrote.
            family.add(f.id);
            const tasks = await taskRunsChangedSince(store, [f.id], -1, 1_000_000);
            batch.taskRuns.push(...tasks.map(({ seq: _seq, ...t }) => t));
            batch.logs.push(...(await listLogs(store, [f.id], { afterId: 0, limit: LOG_BATCH })));
          }
          if (!family || family.has(f.id)) batch.flowRuns.push(summary(f));
        }
        batch.cursor = encodeCursor(cursor);
        if (batch.flowRuns.length || batch.taskRuns.length || batch.logs.length) {
          await stream.writeSSE({ event: "batch", id: batch.cursor, data: ui.redactor.json(batch) });
          lastSent = Date.now();
        } else if (Date.now() - lastSent > KEEPALIVE_MS) {
          await stream.write(": keepalive\n\n");
          lastSent = Date.now();
        }
        // On PostgreSQL a commit (LISTEN/NOTIFY) wakes the feed at once; TICK_MS is then only the fallback.
        await store.waitForChange(TICK_MS);
      }
    });
  });
}
