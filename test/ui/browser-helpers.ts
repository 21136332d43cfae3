// Browser-test helpers: `cellflow ui --port 0` in a child process against a temporary home, headless Chromium
// through playwright-core (never a downloaded browser), and screenshots kept under test-artifacts/ui/.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { CLI, ROOT } from "../acceptance/helpers.js";

export const CHROMIUM = "/usr/bin/chromium";
export const SHOTS = path.join(ROOT, "test-artifacts", "ui");

/** Fail with the fix when the CLI or the front end bundle is missing. */
export function requireBuiltUi(): void {
  for (const file of [CLI, path.join(ROOT, "dist", "ui", "index.html"), path.join(ROOT, "dist", "ui", "app.js")]) {
    if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first (npm test does)`);
  }
}

export interface UiProcess {
  child: ChildProcess;
  url: string;
  base: string;
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

export async function startUi(home: string, cwd: string): Promise<UiProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home, NO_COLOR: "1" };
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [CLI, "ui", "--port", "0"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Cellflow UI on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(timer);
      reject(new Error(`cellflow ui exited ${code}:\n${out}`));
    });
  });
  const port = Number(new URL(url).port);
  return {
    child,
    url,
    port,
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Chromium with a fresh profile folder (playwright passes it as --user-data-dir). */
export async function launchBrowser(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Flows the browser tests drive: counters of side effects by task, a gate file, a failure fixed by a marker. */
export const UI_FLOWS = `// Flows for the web UI's browser tests.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { flow, task, getRunLogger } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
const mark = (name: string) => fs.appendFileSync(path.join(dir, name + ".count"), "x\\n");
const waitFor = async (file: string) => {
  while (!fs.existsSync(path.join(dir, file))) await new Promise((r) => setTimeout(r, 50));
};

const step = task("step", async (n: number) => {
  mark("step");
  getRunLogger().info(\`step \${n} done\`);
  return { n: n + 1 };
});
const gate = task("gate", async (x: { n: number }) => {
  await waitFor("release.marker");
  return x.n;
});
export const slow = flow({ name: "slow" }, async () => gate(await step(1)));

const extract = task("extract", async () => {
  mark("extract");
  getRunLogger().info("extracted 3 rows");
  return [1, 2, 3];
});
const load = task("load", async (rows: number[]) => {
  mark("load");
  if (!fs.existsSync(path.join(dir, "fixed.marker"))) throw new Error("the warehouse is down");
  return rows.length;
});
export const fragile = flow({ name: "fragile" }, async () => load(await extract()));

export const sized = flow({ name: "sized", parameters: z.object({ pages: z.number().int().min(1).max(50) }) }, async ({ pages }: { pages: number }) => step(pages));
`;
