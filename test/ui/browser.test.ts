// The web UI in headless Chromium against `cellflow ui --port 0`: live state changes from another process,
// the run graph drawn and clickable, rerun from failure, the deployment form's validation, blocks.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { CLI, ROOT, cli, cliJson, executions, startCli, tempDir, type FlowRunJson } from "../acceptance/helpers.js";
import { UI_FLOWS, launchBrowser, requireBuiltUi, shot, startUi, type UiProcess } from "./browser-helpers.js";
import type { RunDetail } from "../../src/ui/shared/api-types.js";
import type { FlowRunRecord, TaskRunRecord } from "../../src/core/records.js";
import { makeState, type StateName } from "../../src/core/states.js";
import { Store } from "../../src/store/store.js";

/** The page's globals, as seen from page.evaluate callbacks (this file is type-checked without the DOM library). */
type PageGlobals = {
  stayed?: boolean;
  __cellflowGraph?: {
    nodes: number;
    firstFrameAt: number;
    screenOf(id: string): { x: number; y: number } | null;
    panBy(dx: number, dy: number): number;
    redraw(): number;
    tilesDrawn(): number;
  };
  document: { querySelector(s: string): any; documentElement: { dataset: Record<string, string> } };
  fetch: typeof fetch;
};

requireBuiltUi();

let dir: string;
let home: string;
let ui: UiProcess;
let browser: BrowserContext;
let page: Page;
const FLOWS = () => path.join(dir, "ui-flows.ts");

async function runOf(flowName: string): Promise<FlowRunJson> {
  const list = await cliJson<FlowRunJson[]>(["runs", "ls", "--flow", flowName], { home, cwd: dir });
  return list[0];
}

beforeAll(async () => {
  dir = tempDir("ui-browser");
  home = path.join(dir, ".cellflow");
  fs.mkdirSync(home);
  fs.writeFileSync(FLOWS(), UI_FLOWS);
  // The flows import zod; resolve it from this package's install.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  ui = await startUi(home, dir);
  browser = await launchBrowser(path.join(dir, "chromium-profile"));
  page = await browser.newPage();
  await page.goto(ui.url);
  await page.waitForSelector("text=Dashboard");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
});

describe("cellflow ui in a browser", () => {
  it("prints its URL with the bound port and a token, and the page without the token is refused", async () => {
    expect(ui.port).toBeGreaterThan(0);
    expect(ui.url).toMatch(/\?token=[\w-]{20,}/);
    // Another profile has no session cookie.
    const other = await launchBrowser(path.join(dir, "chromium-profile-2"));
    const response = await (await other.newPage()).goto(ui.base + "/runs");
    expect(response!.status()).toBe(401);
    await other.close();
    await shot(page, "dashboard-empty");
  });

  it("shows a run started by the CLI, and its state changes arrive live", async () => {
    await page.goto(ui.base + "/runs");
    await page.waitForSelector("text=No flow runs yet");
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).stayed = true));
    const started = startCli(["run", `${FLOWS()}:slow`], { home, cwd: dir });
    const row = page.locator(".trow", { hasText: "slow" });
    await row.locator('[data-state="Running"]').waitFor({ timeout: 60_000 });
    await shot(page, "runs-live-running");
    fs.writeFileSync(path.join(dir, "release.marker"), "");
    await row.locator('[data-state="Completed"]').waitFor({ timeout: 60_000 });
    // The same page, updated by the stream, not reloaded.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).stayed)).toBe(true);
    expect((await started.done).code).toBe(0);
    await shot(page, "runs-live-completed");
  }, 120_000);

  it("draws the run graph (pixels, not blank) and a click on a node opens its task run with its logs", async () => {
    const run = await runOf("slow");
    await page.goto(`${ui.base}/runs/${run.id}`);
    const canvas = page.getByTestId("run-graph");
    await canvas.waitFor();
    await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).__cellflowGraph?.nodes ?? 0) === 2);
    const painted = await page.evaluate(() => {
      const c = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="run-graph"]');
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
      const colours = new Set<number>();
      let green = 0;
      for (let i = 0; i < data.length; i += 4) {
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        // Completed's colour (#16a34a) marks each node's state bar.
        if (Math.abs(data[i] - 0x16) < 12 && Math.abs(data[i + 1] - 0xa3) < 12 && Math.abs(data[i + 2] - 0x4a) < 12) green++;
      }
      return { colours: colours.size, green };
    });
    expect(painted.colours).toBeGreaterThan(20);
    expect(painted.green).toBeGreaterThan(100);
    await shot(page, "run-graph");
    const detail = await page.evaluate(async (id) => (await fetch(`/api/runs/${id}`)).json() as Promise<RunDetail>, run.id);
    const step = detail.taskRuns.find((t) => t.taskName === "step")!;
    const at = await page.evaluate((id) => (globalThis as unknown as PageGlobals).__cellflowGraph!.screenOf(id), step.id);
    await page.mouse.click(at!.x, at!.y);
    await page.waitForURL(`**/task-runs/${step.id}`);
    await page.getByTestId("task-logs").getByText("step 1 done").waitFor();
    await shot(page, "task-run");
  }, 60_000);

  it("rerun from failure on the run page executes only the failed task", async () => {
    const failed = await cli(["run", `${FLOWS()}:fragile`], { home, cwd: dir });
    expect(failed.code).toBe(1);
    const run = await runOf("fragile");
    expect(run.state.name).toBe("Failed");
    await page.goto(`${ui.base}/runs/${run.id}`);
    const rerun = page.getByTestId("rerun");
    await rerun.waitFor();
    expect(await rerun.isEnabled()).toBe(true);
    await shot(page, "run-failed");
    fs.writeFileSync(path.join(dir, "fixed.marker"), "");
    await rerun.click();
    await page.locator('.page-header [data-state="Completed"]').waitFor({ timeout: 60_000 });
    expect(executions(path.join(dir, "extract.count"))).toBe(1);
    expect(executions(path.join(dir, "load.count"))).toBe(2);
    const after = await runOf("fragile");
    expect(after.attempt).toBe(2);
    expect(after.state.name).toBe("Completed");
    await page.getByText("attempt 2").waitFor();
    await shot(page, "run-rerun-completed");
  }, 120_000);

  it("a deployment run from the form with a bad parameter shows the validation message and queues nothing", async () => {
    const deployed = await cli(["deploy", `${FLOWS()}:sized`, "--name", "sized-dep", "-p", "pages=3"], { home, cwd: dir });
    expect(deployed.code, deployed.stderr).toBe(0);
    await page.goto(`${ui.base}/deployments/sized-dep`);
    const input = page.locator('[data-testid="param-form"] input[name="pages"]');
    await input.waitFor({ timeout: 30_000 });
    await input.fill("500");
    await page.getByTestId("run-deployment").click();
    const alert = page.locator('[role="alert"]', { hasText: "pages" });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/parameter `pages` is invalid/);
    await shot(page, "deployment-bad-parameter");
    const runs = await cliJson<Array<{ deploymentId: string | null }>>(["runs", "ls", "--limit", "100"], { home, cwd: dir });
    expect(runs.filter((r) => r.deploymentId !== null)).toEqual([]);
    await input.fill("5");
    await page.getByTestId("run-deployment").click();
    await page.getByTestId("queued").waitFor();
    const queued = await cliJson<Array<{ deploymentId: string | null; parameters: Record<string, unknown> }>>(["runs", "ls", "--limit", "100"], { home, cwd: dir });
    expect(queued.filter((r) => r.deploymentId !== null).map((r) => r.parameters)).toEqual([{ pages: 5 }]);
    // Pause and resume call the same function as `cellflow deployments pause|resume`.
    await page.getByTestId("toggle-sized-dep").click();
    await page.locator(".page-header .pill", { hasText: "paused" }).waitFor();
    expect((await cliJson<Array<{ name: string; paused: boolean }>>(["deployments", "ls"], { home, cwd: dir })).map((d) => d.paused)).toEqual([true]);
    await page.getByTestId("toggle-sized-dep").click();
    await page.locator(".page-header .pill", { hasText: "active" }).waitFor();
    expect((await cliJson<Array<{ name: string; paused: boolean }>>(["deployments", "ls"], { home, cwd: dir })).map((d) => d.paused)).toEqual([false]);
  }, 120_000);

  it("a block created in the UI loads with Block.load, and its secret is never sent back", async () => {
    await page.goto(`${ui.base}/blocks`);
    await page.getByTestId("new-block").selectOption("secret");
    const form = page.getByTestId("block-form");
    await form.locator('input[name="name"]').fill("ui-made");
    await form.locator('input[name="value"]').fill("pa55-from-the-browser");
    await form.getByTestId("save-block").click();
    await page.getByTestId("block-saved").waitFor();
    await shot(page, "blocks");
    const script = `import { Block } from ${JSON.stringify(path.join(ROOT, "dist", "src", "index.js"))}; const b = await Block.load("secret", "ui-made"); process.stdout.write(b.get());`;
    const loaded = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, CELLFLOW_HOME: home }, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`Block.load exited ${code}`))));
    });
    expect(loaded).toBe("pa55-from-the-browser");
    await page.getByRole("button", { name: "Edit" }).first().click();
    await page.getByTestId("block-form").waitFor();
    expect(await page.content()).not.toContain("pa55-from-the-browser");
    const body = await page.evaluate(async () => (await fetch("/api/blocks/secret/ui-made")).text());
    expect(body).not.toContain("pa55-from-the-browser");
  }, 60_000);

  it("pans a big graph from cached tiles that match a direct drawing, drawing only tiles that come into view", async () => {
    // 900 distinct task runs (30 layers of 30, each fed by two of the layer before), written straight to the store.
    const store = Store.open(home, { reap: false });
    const now = Date.now();
    const runId = "00000000-0000-7000-8000-00000000b16";
    const state = makeState("Running", "", now);
    const flow: FlowRunRecord = {
      id: runId, flowName: "big", name: "big-graph", state, parameters: {}, attempt: 1, startTime: now, endTime: null, createdAt: now,
      entrypoint: null, parentTaskRunId: null, deploymentId: null, tags: [],
    };
    store.saveFlowRun(flow, { history: [state], resultRef: null, owner: null, heartbeat: null });
    const names: StateName[] = ["Completed", "Failed", "Running", "Pending", "Cached"];
    for (let l = 0; l < 30; l++) {
      for (let i = 0; i < 30; i++) {
        const task: TaskRunRecord = {
          id: `${runId}-t${l}-${i}`, flowRunId: runId, flowAttempt: 1, taskName: `t${l}_${i}`, dynamicKey: `t${l}_${i}-0`, state: makeState(names[(l + i) % 5], "", now), inputs: [],
          upstream: l === 0 ? [] : [`${runId}-t${l - 1}-${i}`, `${runId}-t${l - 1}-${(i * 7 + 3) % 30}`],
          cacheKey: null, cacheReason: "", cachedFrom: null, runCount: 1, startTime: now, endTime: null, tags: [], subflowRunId: null,
        };
        store.saveTaskRun(task, { cacheExpires: null, sourceHash: null, resultRef: null, history: [task.state] });
      }
    }
    store.flush();
    store.close();
    await page.goto(`${ui.base}/runs/${runId}`);
    await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).__cellflowGraph?.nodes ?? 0) === 900 && (globalThis as unknown as PageGlobals).__cellflowGraph!.firstFrameAt > 0);
    // Zoom in to cards with labels (blocks are drawn below 0.35).
    for (let i = 0; i < 8; i++) await page.getByTitle("Zoom in").click();
    const result = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      const g = w.__cellflowGraph!;
      const c = w.document.querySelector('[data-testid="run-graph"]');
      const pixels = () => c.getContext("2d").getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
      g.redraw();
      const direct = pixels();
      const before = g.tilesDrawn();
      // A pan and its way back: the second frame shows the same view from tiles.
      g.panBy(37, 11);
      g.panBy(-37, -11);
      const tiled = pixels();
      const firstPan = g.tilesDrawn() - before;
      let differ = 0;
      for (let i = 0; i < direct.length; i += 4) {
        if (Math.max(Math.abs(direct[i] - tiled[i]), Math.abs(direct[i + 1] - tiled[i + 1]), Math.abs(direct[i + 2] - tiled[i + 2])) > 24) differ++;
      }
      // Thirty steps of 20 px: tiles already drawn are reused, so only the columns coming into view are new.
      const reused = g.tilesDrawn();
      for (let i = 0; i < 30; i++) g.panBy(-20, 0);
      const colours = new Set<number>();
      for (let i = 0; i < tiled.length; i += 4) colours.add((tiled[i] << 16) | (tiled[i + 1] << 8) | tiled[i + 2]);
      return { pixels: direct.length / 4, differ, firstPan, later: g.tilesDrawn() - reused, colours: colours.size, height: c.height };
    });
    await shot(page, "run-graph-900-tiled");
    // Not blank: cards, labels, edges and state colours.
    expect(result.colours).toBeGreaterThan(20);
    expect(result.differ).toBeLessThan(result.pixels / 1000);
    expect(result.firstPan).toBeGreaterThan(0);
    // 600 px of panning brings at most four new tile columns (256 px) into view, not thirty frames of tiles.
    expect(result.later).toBeGreaterThan(0);
    expect(result.later).toBeLessThanOrEqual(4 * (Math.ceil(result.height / 256) + 1));
  }, 60_000);

  it("looks right in the dark theme too", async () => {
    const run = await runOf("fragile");
    await page.goto(`${ui.base}/runs/${run.id}`);
    await page.getByTestId("theme").click();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dataset.theme)).toBe("dark");
    await page.getByTestId("run-graph").waitFor();
    await shot(page, "run-dark");
    await page.goto(`${ui.base}/`);
    await page.getByText("Runs over time").waitFor();
    await shot(page, "dashboard-dark");
    expect(fs.existsSync(CLI)).toBe(true);
  }, 60_000);
});
