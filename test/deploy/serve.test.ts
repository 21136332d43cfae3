// flow.serve() and flow.deploy() end to end: a script serves a two-second interval deployment in its own process
// beside a `cellflow worker`; SIGINT lets the run in progress finish; no run executes twice.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SLOW, cli, cliJson, requireBuiltCli, startCli, tempDir, until, type FlowRunJson } from "../acceptance/helpers.js";

requireBuiltCli();

const INDEX = path.join(ROOT, "dist", "src", "index.js");

/** A script that defines its flow and serves it (or only deploys it with DEPLOY_ONLY=1). */
function script(dir: string): string {
  const file = path.join(dir, "ticker.mjs");
  fs.writeFileSync(
    file,
    `import fs from "node:fs";
import { flow, task, getRunContext } from ${JSON.stringify(INDEX)};
const tick = task("tick", async () => {
  fs.appendFileSync(new URL("./ran.log", import.meta.url), getRunContext().flowRun.id + "\\n");
  await new Promise((resolve) => setTimeout(resolve, 1200));
  return 1;
});
export const ticker = flow({ name: "ticker" }, async ({ size = 1 } = {}) => tick(size));
if (process.env.DEPLOY_ONLY) {
  const saved = await ticker.deploy({ name: "ticker-daily", cron: "0 12 * * *", timezone: "Europe/Madrid", parameters: { size: 2 } });
  console.log(JSON.stringify(saved));
} else {
  await ticker.serve({ name: "every-2s", interval: "2s", pollMs: 200 });
  console.log("serve() returned");
}
`,
  );
  return file;
}

function startScript(file: string, home: string, extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home, NO_COLOR: "1", ...extra };
  delete env.VITEST;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [file], { cwd: path.dirname(file), env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done, out: () => stdout };
}

const ids = (dir: string) => (fs.existsSync(path.join(dir, "ran.log")) ? fs.readFileSync(path.join(dir, "ran.log"), "utf8").split("\n").filter(Boolean) : []);

// Each test has its own script folder and store: they run concurrently.
describe.concurrent("flow.serve() and flow.deploy()", { timeout: SLOW * 2 }, () => {
  it("deploy() saves the deployment as `cellflow deploy` would, and validates the same way", async () => {
    const dir = tempDir("deploy-code");
    const home = tempDir("deploy-code-home");
    const file = script(dir);
    const run = startScript(file, home, { DEPLOY_ONLY: "1" });
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const saved = JSON.parse(r.stdout.trim()) as { name: string; flowName: string; entrypoint: string };
    expect(saved).toMatchObject({ name: "ticker-daily", flowName: "ticker", entrypoint: `${file}:ticker` });
    const inspected = await cliJson<{ parameters: unknown; schedules: Array<{ kind: string; expression: string; timezone: string }>; nextRuns: unknown[] }>(["deployments", "inspect", "ticker-daily"], { home });
    expect(inspected.parameters).toEqual({ size: 2 });
    expect(inspected.schedules).toMatchObject([{ kind: "cron", expression: "0 12 * * *", timezone: "Europe/Madrid" }]);
    expect(inspected.nextRuns).toHaveLength(5);
    // The same checks as the CLI: a bad cron is refused with the CLI's message, nothing saved.
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('name: "ticker-daily", cron: "0 12 * * *"', 'name: "ticker-bad", cron: "0 25 * * *"'));
    const bad = await startScript(file, home, { DEPLOY_ONLY: "1" }).done;
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/deployment 'ticker-bad': .*hour.*25/);
    expect((await cliJson<Array<{ name: string }>>(["deployments", "ls"], { home })).map((d) => d.name)).toEqual(["ticker-daily"]);
  });

  it("serve() runs a 2-second interval deployment several times beside a worker, no run twice, and SIGINT lets the current run finish", async () => {
    const dir = tempDir("serve");
    const home = tempDir("serve-home");
    const file = script(dir);
    const serve = startScript(file, home);
    const worker = startCli(["worker", "--poll-ms", "200"], { home });
    let stopped: { code: number | null; stdout: string; stderr: string };
    let inProgress: string;
    try {
      await until("three runs served", async () => ((serve.out().match(/serve: run \S+ \(\w+\) Completed/g) ?? []).length >= 3 ? true : undefined), 120_000);
      // Interrupt while a run is going: the last line says it started and nothing after it.
      inProgress = await until("a run in progress", async () => {
        const last = serve.out().trim().split("\n").at(-1) ?? "";
        return /serve: run \S+ \((\w+)\) starting$/.exec(last)?.[1];
      }, 60_000, 20);
      serve.child.kill("SIGINT");
      stopped = await serve.done;
    } finally {
      serve.child.kill("SIGKILL");
      worker.child.kill("SIGTERM");
    }
    const w = await worker.done;
    expect(w.code, w.stderr).toBe(0);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(new RegExp(`serve: run \\S+ \\(${inProgress}\\) Completed\\n.*serve: stopped\\nserve\\(\\) returned\\n$`));

    const runs = await cliJson<FlowRunJson[]>(["runs", "ls", "--deployment", "every-2s", "--limit", "200"], { home });
    const interrupted = runs.find((r) => r.id.startsWith(inProgress))!;
    expect(interrupted.state.name).toBe("Completed");
    const completed = runs.filter((r) => r.state.name === "Completed");
    expect(completed.length).toBeGreaterThanOrEqual(4);
    // Each run executed exactly once, whether the serving process or the worker ran it.
    const ran = ids(dir);
    expect(new Set(ran).size).toBe(ran.length);
    for (const run of completed) expect(ran.filter((id) => id === run.id)).toHaveLength(1);
    const servedIds = [...stopped.stdout.matchAll(/serve: run \S+ \((\w+)\) starting/g)].map((m) => m[1]);
    const workerIds = [...w.stdout.matchAll(/worker: run \S+ \((\w+)\) of ticker starting/g)].map((m) => m[1]);
    expect(servedIds.filter((id) => workerIds.includes(id))).toEqual([]);
    expect((await cli(["deployments", "inspect", "every-2s"], { home })).stdout).toMatch(/1\. every 2 seconds/);
  });
});
