// Web UI benchmarks (headless Chromium, software rendering): first draw of a 10,000-task run graph, draw time
// per pan frame, a state change in another process → visible in the page (p95), and /api/runs over 50,000 runs.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { FlowRunRecord, TaskRunRecord } from "../src/core/records.js";
import { makeState, type StateName } from "../src/core/states.js";
import { configureStore, getEngine } from "../src/engine/engine.js";
import type { Store } from "../src/store/store.js";
import { createUiApp } from "../src/ui/server/app.js";
import { newAccess } from "../src/ui/server/auth.js";
import { startUiServer } from "../src/ui/server/serve.js";
import { percentile } from "./poll.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const pct = (xs: number[], p: number) => percentile(xs, p, 2);

function flowRun(i: number, now: number, state: StateName = i % 10 === 0 ? "Failed" : "Completed"): FlowRunRecord {
  const t = now - i * 1000;
  return {
    id: `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`, flowName: `flow-${i % 7}`, name: `run-${i}`, state: makeState(state, "", t + 500),
    parameters: { i }, attempt: 1, startTime: t, endTime: t + 500, createdAt: t, entrypoint: null, parentTaskRunId: null, deploymentId: null, tags: [],
  };
}

function save(store: Store, run: FlowRunRecord): void {
  store.saveFlowRun(run, { history: [run.state], resultRef: null, owner: null, heartbeat: null });
}

/** A run of `layers` × `width` task runs with distinct names (no grouping), each fed by two of the layer before. */
function bigRun(store: Store, layers: number, width: number): string {
  const now = Date.now();
  const run = flowRun(9_999_999, now, "Running");
  save(store, run);
  const states: StateName[] = ["Completed", "Cached", "Running", "Pending", "Failed"];
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < width; i++) {
      const id = `${run.id}-t${l}-${i}`;
      const name = states[(l * width + i) % states.length];
      const task: TaskRunRecord = {
        id, flowRunId: run.id, flowAttempt: 1, taskName: `t${l}_${i}`, dynamicKey: `t${l}_${i}-0`, state: makeState(name, "", now), inputs: [],
        upstream: l === 0 ? [] : [`${run.id}-t${l - 1}-${i}`, `${run.id}-t${l - 1}-${(i * 7 + 3) % width}`],
        cacheKey: null, cacheReason: "", cachedFrom: null, runCount: 1, startTime: now - 1000 + l, endTime: name === "Running" || name === "Pending" ? null : now, tags: [], subflowRunId: null,
      };
      store.saveTaskRun(task, { cacheExpires: null, sourceHash: null, resultRef: null, history: [task.state] });
    }
  }
  store.flush();
  return run.id;
}

async function apiRuns(): Promise<Record<string, number>> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-ui-api-"));
  configureStore(home);
  const store = getEngine().store;
  const now = Date.now();
  for (let i = 0; i < 50_000; i++) save(store, flowRun(i, now));
  store.flush();
  const access = newAccess(4200, "127.0.0.1");
  const app = createUiApp(access);
  const cookie = (await app.request(`http://127.0.0.1:4200/?token=${access.token}`, { headers: { host: "127.0.0.1:4200" } })).headers.get("set-cookie")!.split(";")[0];
  const time = async (url: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      const r = await app.request(`http://127.0.0.1:4200${url}`, { headers: { host: "127.0.0.1:4200", cookie } });
      await r.text();
      samples.push(performance.now() - started);
    }
    return pct(samples.slice(5), 50);
  };
  const out = {
    "api runs list, 50,000 runs, first page of 100 (p50 ms)": await time("/api/runs?limit=100"),
    "api runs list, 50,000 runs, page at offset 40,000 (p50 ms)": await time("/api/runs?limit=100&offset=40000&flows=0"),
    "api runs list, 50,000 runs, state=Failed (p50 ms)": await time("/api/runs?limit=100&state=Failed&flows=0"),
    "api runs list, 50,000 runs, search 'run-4999' (p50 ms)": await time("/api/runs?limit=100&q=run-4999&flows=0"),
    "api dashboard, 50,000 runs (p50 ms)": await time("/api/dashboard?days=7"),
  };
  configureStore(null);
  fs.rmSync(home, { recursive: true, force: true });
  return out;
}

async function inBrowser(): Promise<Record<string, number>> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-ui-"));
  configureStore(home);
  const store = getEngine().store;
  const runId = bigRun(store, 100, 100);
  const server = await startUiServer({ port: 0, out: () => {} });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await context.newPage();
  await page.goto(server.url);
  const base = server.url.split("/?")[0];
  type G = { __cellflowGraph?: { nodes: number; firstDrawAt: number; firstFrameAt: number; layoutMs: number; lastDrawMs: number; panBy(dx: number, dy: number): number; fit(): void } };
  const firstDraw: number[] = [];
  const firstFrame: number[] = [];
  const layoutMs: number[] = [];
  const dataMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${base}/runs/${runId}`);
    await page.waitForFunction(() => ((globalThis as unknown as G).__cellflowGraph?.nodes ?? 0) === 10_000 && (globalThis as unknown as G).__cellflowGraph!.firstFrameAt > 0, undefined, { timeout: 60_000 });
    const m = await page.evaluate(() => {
      const g = (globalThis as unknown as G).__cellflowGraph!;
      const entry = (performance.getEntriesByType("resource") as unknown as Array<{ name: string; responseEnd: number }>).find((e) => /\/api\/runs\/[^/]+$/.test(e.name));
      return { firstDrawAt: g.firstDrawAt, firstFrameAt: g.firstFrameAt, layoutMs: g.layoutMs, dataAt: entry ? entry.responseEnd : 0 };
    });
    firstDraw.push(m.firstDrawAt);
    firstFrame.push(m.firstFrameAt);
    layoutMs.push(m.layoutMs);
    dataMs.push(m.firstDrawAt - m.dataAt);
  }
  // Pan, zoomed out (every node in view) and at ~80 % (cards with labels): the draw call's time, the draw plus
  // rasterizing it (reading a pixel back makes the software canvas flush), and the interval between frames
  // when the graph moves once per animation frame (16.7 ms when no frame is dropped).
  const pan = async () =>
    page.evaluate(async () => {
      // No DOM types in the bench's compilation: the few browser calls it makes, typed here.
      const w = globalThis as unknown as G & {
        document: { querySelector(s: string): { getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): unknown } } };
        requestAnimationFrame(cb: (t: number) => void): number;
      };
      const g = w.__cellflowGraph!;
      const ctx = w.document.querySelector("canvas[data-testid=run-graph]").getContext("2d");
      const draw: number[] = [];
      const raster: number[] = [];
      for (let i = 0; i < 120; i++) {
        const started = performance.now();
        draw.push(g.panBy(i % 2 ? 4 : -4, 2));
        ctx.getImageData(0, 0, 1, 1);
        raster.push(performance.now() - started);
      }
      const frames: number[] = [];
      await new Promise<void>((resolve) => {
        let last = 0;
        const step = (t: number) => {
          if (last) frames.push(t - last);
          last = t;
          g.panBy(frames.length % 2 ? 4 : -4, 2);
          if (frames.length < 120) w.requestAnimationFrame(step);
          else resolve();
        };
        w.requestAnimationFrame(step);
      });
      return { draw: draw.slice(20), raster: raster.slice(20), frames: frames.slice(20) };
    });
  await page.evaluate(() => (globalThis as unknown as G).__cellflowGraph!.fit());
  const panFit = await pan();
  const zoomIn = page.getByTitle("Zoom in");
  for (let i = 0; i < 12; i++) await zoomIn.click();
  const panNear = await pan();
  // Cross-process: another node process changes the run's state; the page shows the new message.
  await page.goto(`${base}/runs/${runId}`);
  await page.waitForFunction(() => ((globalThis as unknown as G).__cellflowGraph?.nodes ?? 0) === 10_000);
  await page.evaluate(() => {
    const w = globalThis as unknown as { latencies: number[]; document: { body: unknown; querySelector(s: string): { textContent: string } | null } ; MutationObserver: new (cb: () => void) => { observe(n: unknown, o: unknown): void } };
    w.latencies = [];
    const seen = new Set<string>();
    new w.MutationObserver(() => {
      const text = w.document.querySelector(".state-message")?.textContent ?? "";
      const m = /^change (\d+) at (\d+)$/.exec(text);
      if (m && !seen.has(m[1])) {
        seen.add(m[1]);
        w.latencies.push(Date.now() - Number(m[2]));
      }
    }).observe(w.document.body, { subtree: true, childList: true, characterData: true });
  });
  const script = `
    import { Store } from ${JSON.stringify(path.join(ROOT, "dist", "src", "store", "store.js"))};
    const store = Store.open(${JSON.stringify(home)}, { reap: false });
    for (let i = 0; i < 40; i++) {
      store.setFlowRunState(${JSON.stringify(runId)}, i % 2 ? "Running" : "Pending", "change " + i + " at " + Date.now());
      await new Promise((r) => setTimeout(r, 250));
    }
    store.close();`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`state writer exited ${code}`))));
  });
  await page.waitForTimeout(1000);
  const latencies = await page.evaluate(() => (globalThis as unknown as { latencies: number[] }).latencies);
  await context.close();
  await server.close();
  configureStore(null);
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
  return {
    "graph 10,000 tasks: navigation → first full draw (median ms)": pct(firstDraw, 50),
    "graph 10,000 tasks: navigation → first frame on screen (median ms)": pct(firstFrame, 50),
    "graph 10,000 tasks: data received → first full draw (median ms)": pct(dataMs, 50),
    "graph 10,000 tasks: layout (median ms)": pct(layoutMs, 50),
    "graph pan frame draw, all 10,000 in view (p50 ms)": pct(panFit.draw, 50),
    "graph pan frame draw, all 10,000 in view (p95 ms)": pct(panFit.draw, 95),
    "graph pan frame draw + raster, all 10,000 in view (p95 ms)": pct(panFit.raster, 95),
    "graph pan frame interval, all 10,000 in view (p95 ms)": pct(panFit.frames, 95),
    "graph pan frame draw, zoomed in with labels (p50 ms)": pct(panNear.draw, 50),
    "graph pan frame draw, zoomed in with labels (p95 ms)": pct(panNear.draw, 95),
    "graph pan frame draw + raster, zoomed in with labels (p95 ms)": pct(panNear.raster, 95),
    "graph pan frame interval, zoomed in with labels (p95 ms)": pct(panNear.frames, 95),
    "state change in another process → visible (p50 ms)": latencies.length ? pct(latencies, 50) : -1,
    "state change in another process → visible (p95 ms)": latencies.length ? pct(latencies, 95) : -1,
    "state changes seen (of 40)": latencies.length,
  };
}

export async function benchUi(): Promise<Record<string, number>> {
  process.env.NODE_ENV ??= "production";
  return { ...(await apiRuns()), ...(await inBrowser()) };
}
