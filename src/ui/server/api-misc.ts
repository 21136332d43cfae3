// /api routes for workers (processes seen running deployment runs), artifacts (newest version per key)
// and the session header (version, store location).

import type { Hono } from "hono";
import { ownerAlive, parseOwner } from "../../store/owner.js";
import { listArtifactRecords, listWorkersSeen } from "../../store/ui-queries.js";
import { version } from "../../version.js";
import type { ArtifactsPage, WorkerView } from "../shared/api-types.js";
import { reply, type UiContext } from "./context.js";

const WORKER_WINDOW_MS = 24 * 3_600_000;

export function registerMiscRoutes(app: Hono, ui: UiContext): void {
  app.get("/api/session", (c) => reply(ui, c, { version, home: ui.store().home }));

  app.get("/api/workers", async (c) => {
    const seen = await listWorkersSeen(ui.store(), Date.now() - WORKER_WINDOW_MS);
    const workers: WorkerView[] = seen.map((w) => {
      const info = parseOwner(w.owner);
      return { owner: w.owner, host: info?.host ?? "?", pid: info?.pid ?? 0, alive: ownerAlive(w.owner), lastHeartbeat: w.lastHeartbeat, running: w.running, claimed: w.claimed };
    });
    return reply(ui, c, workers);
  });

  app.get("/api/artifacts", async (c) => {
    const key = c.req.query("key") || undefined;
    const page: ArtifactsPage = { artifacts: await listArtifactRecords(ui.store(), key ? { key, limit: 500 } : { latest: true, limit: 500 }) };
    return reply(ui, c, page);
  });
}
