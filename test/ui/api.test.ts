// The web UI's API through app.request(): every page's data, the token/cookie exchange, 401 without a
// session, 403 for a foreign Host or Origin, and no stored secret in any response or event.

import { beforeAll, describe, expect, it } from "vitest";
import { artifact, flow, getRunLogger, task } from "../../src/index.js";
import { saveBlock } from "../../src/blocks/index.js";
import { newAccess, cookieName, type UiAccess } from "../../src/ui/server/auth.js";
import { createUiApp } from "../../src/ui/server/app.js";
import type { DashboardData, RunDetail, RunsPage, TaskRunDetail, BlocksPage, BlockDetail, LiveBatch, WorkerView, ArtifactsPage, RunGraphData } from "../../src/ui/shared/api-types.js";
import { freshStore, store } from "../engine/helpers.js";

const SECRET = "hunter2-very-secret-value";
const HEADER_SECRET = "Bearer tok-abcdef-123456";
let access: UiAccess;
let app: ReturnType<typeof createUiApp>;
let cookie: string;
let failedRunId: string;
let parentRunId: string;

const host = () => `127.0.0.1:${access.port}`;

function call(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return Promise.resolve(app.request(`http://${host()}${path}`, { ...init, headers: { host: host(), cookie, ...(init.headers ?? {}) } }));
}

async function json<T>(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<{ status: number; body: T; text: string }> {
  const r = await call(path, init);
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text) as T, text };
}

/** Read a Server-Sent Events response until `until` holds for the events so far (or it gives up). */
async function readEvents(r: Response, until: (events: Array<{ event: string; id: string; data: string }>) => boolean): Promise<Array<{ event: string; id: string; data: string }>> {
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: Array<{ event: string; id: string; data: string }> = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const get = (k: string) => block.split("\n").filter((l) => l.startsWith(`${k}:`)).map((l) => l.slice(k.length + 1).trimStart()).join("\n");
      if (get("event") || get("data")) events.push({ event: get("event"), id: get("id"), data: get("data") });
    }
  }
  await reader.cancel();
  return events;
}

beforeAll(async () => {
  freshStore();
  saveBlock(store(), "secret", "db-password", { value: SECRET });
  saveBlock(store(), "webhook", "alerts", { url: "https://hooks.example.com/x", headers: { Authorization: HEADER_SECRET } });
  const extract = task("extract", (n: number) => Array.from({ length: n }, (_, i) => i));
  const square = task("square", (x: number) => x * x);
  const load = task("load", (rows: number[]) => {
    // A careless task that logs a secret: the UI must still never show it.
    getRunLogger().info(`loading ${rows.length} rows with password ${SECRET}`);
    throw new Error("warehouse refused the connection");
  });
  const count = task("count", (rows: number[]) => {
    artifact.table("row-count", [{ stage: "extracted", rows: rows.length }], { description: "rows per stage" });
    return rows.length;
  });
  const child = flow("child-flow", async () => square(3));
  const etl = flow("etl-ui", async ({ n, password }: { n: number; password: string }) => {
    const rows = await extract(n);
    const squares = (await Promise.all(square.map(rows))) as unknown as number[];
    await count(rows);
    await child();
    return load([...squares, password.length]);
  });
  const failed = await etl.run({ n: 4, password: SECRET });
  failedRunId = failed.id;
  const ok = flow({ name: "ok-flow", tags: ["nightly"] }, async () => square(2));
  const done = await ok.run();
  parentRunId = failed.id;
  expect(failed.state.name).toBe("Failed");
  expect(done.state.name).toBe("Completed");
  store().flush();
  access = newAccess(4321, "127.0.0.1");
  app = createUiApp(access);
  const exchange = await app.request(`http://${host()}/?token=${access.token}`, { headers: { host: host() } });
  expect(exchange.status).toBe(302);
  const setCookie = exchange.headers.get("set-cookie") ?? "";
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  cookie = setCookie.split(";")[0];
  expect(cookie.startsWith(`${cookieName(access)}=`)).toBe(true);
});

describe("web UI access", () => {
  it("refuses every API route and the event stream without the session cookie (401)", async () => {
    for (const path of ["/api/runs", "/api/dashboard", `/api/runs/${failedRunId}`, "/api/blocks", "/api/deployments", "/api/workers", "/api/events", "/"]) {
      const r = await app.request(`http://${host()}${path}`, { headers: { host: host() } });
      expect(r.status, path).toBe(401);
    }
    const forged = await app.request(`http://${host()}/api/runs`, { headers: { host: host(), cookie: `${cookieName(access)}=${access.token}` } });
    expect(forged.status).toBe(401);
  });

  it("refuses a wrong token and never sets a cookie for it", async () => {
    const r = await app.request(`http://${host()}/?token=not-the-token`, { headers: { host: host() } });
    expect(r.status).toBe(401);
    expect(r.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a foreign Host (DNS rebinding) and a foreign Origin even with the cookie (403)", async () => {
    expect((await call("/api/runs", { headers: { host: "evil.example:4321" } })).status).toBe(403);
    expect((await call("/api/runs", { headers: { origin: "http://evil.example" } })).status).toBe(403);
    expect((await call(`/api/runs/${failedRunId}/cancel`, { method: "POST", headers: { origin: "http://evil.example", "content-type": "application/json" }, body: "{}" })).status).toBe(403);
    expect((await call("/api/runs", { headers: { origin: `http://${host()}` } })).status).toBe(200);
    expect((await call("/api/runs", { headers: { host: `localhost:${access.port}` } })).status).toBe(200);
  });

  it("refuses a change sent as a form instead of JSON (403), so a cross-site form cannot post one", async () => {
    const r = await call(`/api/runs/${failedRunId}/cancel`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1" });
    expect(r.status).toBe(403);
  });
});

describe("web UI pages' data", () => {
  it("dashboard: counts by state over time and failed runs first", async () => {
    const { status, body } = await json<DashboardData>("/api/dashboard?days=1");
    expect(status).toBe(200);
    expect(body.totals.FAILED).toBe(1);
    expect(body.totals.COMPLETED).toBe(1);
    const inBuckets = body.buckets.reduce((s, b) => s + (b.counts.FAILED ?? 0) + (b.counts.COMPLETED ?? 0), 0);
    expect(inBuckets).toBe(2);
    expect(body.attention.map((r) => r.id)).toEqual([failedRunId]);
  });

  it("flow runs: filters by state and flow, searches, pages", async () => {
    const all = (await json<RunsPage>("/api/runs")).body;
    expect(all.total).toBe(3); // etl-ui, its child subflow run, ok-flow
    expect(all.flows).toEqual(["child-flow", "etl-ui", "ok-flow"]);
    const failed = (await json<RunsPage>("/api/runs?state=Failed")).body;
    expect(failed.runs.map((r) => r.id)).toEqual([failedRunId]);
    expect((await json<RunsPage>("/api/runs?flow=ok-flow")).body.runs.map((r) => r.flowName)).toEqual(["ok-flow"]);
    expect((await json<RunsPage>("/api/runs?tag=nightly")).body.runs.map((r) => r.flowName)).toEqual(["ok-flow"]);
    expect(all.tags).toEqual(["nightly"]);
    expect((await json<RunsPage>("/api/runs?q=etl-u")).body.runs.map((r) => r.id)).toEqual([failedRunId]);
    expect((await json<RunsPage>(`/api/runs?q=${failedRunId.slice(0, 8)}`)).body.total).toBe(1);
    const page2 = (await json<RunsPage>("/api/runs?offset=1&limit=1")).body;
    expect(page2.runs).toHaveLength(1);
    expect(page2.runs[0].id).toBe(all.runs[1].id);
  });

  it("run: task runs, attempts, subflow runs, what the buttons may do", async () => {
    const { body } = await json<RunDetail>(`/api/runs/${failedRunId}`);
    expect(body.run.state.name).toBe("Failed");
    expect(body.taskRuns.map((t) => t.taskName).sort()).toEqual(["child-flow", "count", "extract", "load", "square", "square", "square", "square"].sort());
    expect(body.attempts).toEqual([expect.objectContaining({ attempt: 1, taskRuns: 8, counts: { Completed: 7, Failed: 1 } })]);
    const call = body.taskRuns.find((t) => t.taskName === "child-flow")!;
    expect(body.subflows[call.id].flowName).toBe("child-flow");
    // Briefs: what the list, graph and timeline show; inputs, tags, cache key and error are on the task run's page.
    const failed = body.taskRuns.find((t) => t.state.name === "Failed")!;
    expect(Object.keys(failed).sort()).toEqual(["cacheReason", "dynamicKey", "endTime", "flowAttempt", "flowRunId", "id", "runCount", "startTime", "state", "subflowRunId", "taskName", "upstream"]);
    const load = (await json<TaskRunDetail>(`/api/task-runs/${failed.id}`)).body.taskRun;
    expect(load.error).toBeDefined();
    expect(failed).toEqual(expect.objectContaining({ id: load.id, upstream: load.upstream, runCount: load.runCount, startTime: load.startTime, endTime: load.endTime, state: load.state }));
    expect(body.canCancel).toBe(false);
    // Its flow lives in a file (this test), so the rerun button is offered.
    expect(body.canRerun).toBe(true);
    expect(body.rerunBlocked).toBeNull();
    expect(body.artifacts.map((a) => [a.key, a.type, a.version, a.data])).toEqual([["row-count", "table", 1, { rows: [{ stage: "extracted", rows: 4 }] }]]);
    expect(body.cursor).toMatch(/^\d+\.\d+\.\d+$/);
    const sub = await json<RunGraphData>(`/api/runs/${body.subflows[call.id].id}/graph`);
    expect(sub.body.taskRuns.map((t) => t.taskName)).toEqual(["square"]);
    const child = await json<RunDetail>(`/api/runs/${body.subflows[call.id].id}`);
    expect(child.body.parent?.id).toBe(failedRunId);
  });

  it("run: an unknown run is a 404 with the message and a hint", async () => {
    const { status, body } = await json<{ error: { code: string; message: string; hint: string } }>("/api/runs/ffffffff-0000");
    expect(status).toBe(404);
    expect(body.error.code).toBe("UNKNOWN_RUN");
    expect(body.error.hint).not.toBe("");
  });

  it("run: rerun of a run that is not rerunnable and cancel of an ended run are refused (409/400)", async () => {
    const ok = (await json<RunsPage>("/api/runs?flow=ok-flow")).body.runs[0];
    const retry = await call(`/api/runs/${ok.id}/retry`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(retry.status).toBe(409);
    const cancel = await call(`/api/runs/${ok.id}/cancel`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(cancel.status).toBe(409);
    expect(((await cancel.json()) as { error: { message: string } }).error.message).toMatch(/already ended Completed/);
  });

  it("task run: state history, result preview, logs, error, edges", async () => {
    const run = (await json<RunDetail>(`/api/runs/${failedRunId}`)).body;
    const extract = run.taskRuns.find((t) => t.taskName === "extract")!;
    const load = run.taskRuns.find((t) => t.taskName === "load")!;
    const e = (await json<TaskRunDetail>(`/api/task-runs/${extract.id}`)).body;
    expect(e.history.map((s) => s.name)).toEqual(["Pending", "Running", "Completed"]);
    expect(e.result).toEqual({ preview: "[ 0, 1, 2, 3 ]", truncated: false });
    expect(e.downstream.map((d) => d.dynamicKey)).toEqual(["count-0"]);
    const c = (await json<TaskRunDetail>(`/api/task-runs/${run.taskRuns.find((t) => t.taskName === "count")!.id}`)).body;
    expect(c.artifacts.map((a) => a.key)).toEqual(["row-count"]);
    const l = (await json<TaskRunDetail>(`/api/task-runs/${load.id}`)).body;
    expect(l.taskRun.error?.message).toBe("warehouse refused the connection");
    expect(l.result).toEqual({ unavailable: "no result: the task run is Failed" });
    expect(l.logs.map((x) => x.message).join("\n")).toMatch(/loading 5 rows with password \*\*\*\*/);
    expect(l.upstream.map((u) => u.id)).toEqual(load.upstream);
    expect(l.flowRun.id).toBe(failedRunId);
  });

  it("logs: a run's lines after an id", async () => {
    const all = (await json<Array<{ id: number; message: string }>>(`/api/runs/${failedRunId}/logs`)).body;
    expect(all.length).toBeGreaterThan(0);
    const after = (await json<Array<{ id: number }>>(`/api/runs/${failedRunId}/logs?after=${all[all.length - 1].id}`)).body;
    expect(after).toEqual([]);
  });

  it("blocks: list by type, read without secrets, create and edit keeping a blank secret", async () => {
    const page = (await json<BlocksPage>("/api/blocks")).body;
    expect(page.types.map((t) => t.type)).toEqual(["secret", "json", "sql", "filesystem", "webhook"]);
    expect(page.blocks.map((b) => `${b.type}/${b.name}`)).toEqual(["secret/db-password", "webhook/alerts"]);
    const secret = (await json<BlockDetail>("/api/blocks/secret/db-password")).body;
    expect(secret.value).toEqual({ value: null });
    expect(secret.secretFields).toEqual(["value"]);
    const hook = (await json<BlockDetail>("/api/blocks/webhook/alerts")).body;
    expect(hook.value).toEqual({ url: "https://hooks.example.com/x", headers: { Authorization: null } });
    // Edit the URL only: the header's secret value is kept.
    const put = await json<BlockDetail>("/api/blocks/webhook/alerts", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: { url: "https://hooks.example.com/y", headers: { Authorization: null } } }) });
    expect(put.status).toBe(200);
    const { readBlock } = await import("../../src/blocks/index.js");
    expect(readBlock(store(), "webhook", "alerts")).toEqual({ url: "https://hooks.example.com/y", headers: { Authorization: HEADER_SECRET } });
    const created = await json<BlockDetail>("/api/blocks/json/settings", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: { retries: 3 } }) });
    expect(created.status).toBe(201);
    expect(created.body.value).toEqual({ retries: 3 });
    const bad = await json<{ error: { message: string } }>("/api/blocks/webhook/bad", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: { url: "ftp://x" } }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/must be an http/);
    expect((await call("/api/blocks/json/settings", { method: "DELETE", headers: { "content-type": "application/json" } })).status).toBe(200);
  });

  it("workers and artifacts answer with their pages' data", async () => {
    const workers = await json<WorkerView[]>("/api/workers");
    expect(workers.status).toBe(200);
    expect(workers.body).toEqual([]);
    const artifacts = (await json<ArtifactsPage>("/api/artifacts")).body.artifacts;
    expect(artifacts.map((a) => `${a.key}@${a.version}`)).toEqual(["row-count@1"]);
    expect((await json<ArtifactsPage>("/api/artifacts?key=row-count")).body.artifacts).toHaveLength(1);
    expect((await json<ArtifactsPage>("/api/artifacts?key=nope")).body.artifacts).toEqual([]);
    expect((await json<{ error: { code: string } }>("/api/nothing-here")).status).toBe(404);
  });

  it("deployments: an empty list, and a missing deployment is a 404", async () => {
    expect((await json<unknown[]>("/api/deployments")).body).toEqual([]);
    expect((await call("/api/deployments/nope")).status).toBe(404);
  });
});

describe("web UI live stream", () => {
  it("sends what changed after its cursor, and a reconnect with the last event id resumes without repeats", async () => {
    const before = (await json<RunDetail>(`/api/runs/${failedRunId}`)).body.cursor;
    const quick = flow("live-flow", async () => task("tick", () => 1)());
    const run = await quick.run();
    store().flush();
    const first = await readEvents(await call(`/api/events?cursor=${before}`), (evs) => evs.some((e) => e.event === "batch" && (JSON.parse(e.data) as LiveBatch).flowRuns.some((r) => r.id === run.id && r.state.name === "Completed")));
    const batches = first.filter((e) => e.event === "batch");
    const seen = batches.flatMap((e) => (JSON.parse(e.data) as LiveBatch).flowRuns);
    expect(seen.find((r) => r.id === run.id)?.state.name).toBe("Completed");
    const last = batches[batches.length - 1].id;
    expect(last).toMatch(/^\d+\.\d+\.\d+$/);
    // Resume from the last id: nothing of that run again until something new happens.
    const again = flow("live-flow-2", async () => 2);
    const second = await again.run();
    store().flush();
    const resumed = await readEvents(await call("/api/events", { headers: { "last-event-id": last } }), (evs) => evs.some((e) => e.event === "batch"));
    const flows = resumed.filter((e) => e.event === "batch").flatMap((e) => (JSON.parse(e.data) as LiveBatch).flowRuns.map((r) => r.id));
    expect(flows).toContain(second.id);
    expect(flows).not.toContain(run.id);
  });

  it("a run's stream carries its task runs and log lines, with secrets masked", async () => {
    const cursor = "0.0.0";
    const events = await readEvents(await call(`/api/events?run=${parentRunId}&cursor=${cursor}`), (evs) => evs.some((e) => e.event === "batch"));
    const batch = JSON.parse(events.find((e) => e.event === "batch")!.data) as LiveBatch;
    expect(batch.taskRuns.filter((t) => t.flowRunId === parentRunId)).toHaveLength(8);
    expect(batch.taskRuns.every((t) => !("inputs" in t) && Array.isArray(t.upstream) && typeof t.state.name === "string")).toBe(true);
    // The subflow's task run comes too: the graph can expand it live.
    expect(batch.taskRuns.some((t) => t.flowRunId !== parentRunId)).toBe(true);
    expect(batch.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(batch)).not.toContain(SECRET);
  });
});

describe("web UI secrets", () => {
  it("no response of any page carries a stored secret, even where a run logged it or took it as a parameter", async () => {
    const run = (await json<RunDetail>(`/api/runs/${failedRunId}`)).body;
    expect(run.run.parameters.password).toBe("****");
    const paths = [
      "/api/dashboard", "/api/runs", `/api/runs/${failedRunId}`, `/api/runs/${failedRunId}/logs`, `/api/runs/${failedRunId}/graph`,
      ...run.taskRuns.map((t) => `/api/task-runs/${t.id}`), "/api/blocks", "/api/blocks/secret/db-password", "/api/blocks/webhook/alerts",
      "/api/deployments", "/api/workers", "/api/artifacts", "/api/session",
    ];
    for (const path of paths) {
      const r = await call(path);
      const text = await r.text();
      expect(r.status, path).toBe(200);
      expect(text, path).not.toContain(SECRET);
      expect(text, path).not.toContain(HEADER_SECRET);
      expect(text, path).not.toContain("tok-abcdef-123456");
    }
  });
});
