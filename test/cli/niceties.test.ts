// CLI niceties end to end: deployments run --wait streams, alert bodies name the run and deployment and link
// the web UI, blocks create refuses to overwrite, completion scripts, cellflow.yaml errors with line and column.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, ROOT, SLOW, cli, cliJson, errorLines, requireBuiltCli, startCli, tempDir, until, type CliResult, type FlowRunJson } from "../acceptance/helpers.js";
import { runStates } from "../deploy/helpers.js";

requireBuiltCli();

const FLOW = `import { flow, task, getRunLogger } from "cellflow";
const step = task("step", (fail: boolean) => {
  getRunLogger().warn("about to " + (fail ? "fail" : "finish"));
  if (fail) throw new Error("asked to fail");
  return 1;
});
export const waited = flow({ name: "waited" }, async ({ fail = false }: { fail?: boolean }) => step(fail));
`;

/** The CLI with extra environment variables (the shared helper sets only CELLFLOW_HOME). */
function cliWithEnv(args: string[], home: string, extra: Record<string, string>): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home, NO_COLOR: "1", ...extra };
  delete env.VITEST;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe("deployments run --wait", { timeout: SLOW }, () => {
  it("streams the run's transitions and log lines as a worker runs it, and exits with its outcome", async () => {
    const home = tempDir("wait-home");
    const dir = tempDir("wait");
    fs.writeFileSync(path.join(dir, "waited.ts"), FLOW);
    expect((await cli(["deploy", path.join(dir, "waited.ts"), "--name", "waited"], { home })).code).toBe(0);
    const ok = startCli(["deployments", "run", "waited", "--wait"], { home });
    const bad = startCli(["deployments", "run", "waited", "-p", "fail=true", "--wait"], { home });
    await until("both runs queued", async () => (runStates(home).length === 2 ? true : undefined), 120_000);
    const worker = await cli(["worker", "--once", "--concurrency", "2"], { home });
    expect(worker.code, worker.stderr).toBe(0);
    const [good, failed] = await Promise.all([ok.done, bad.done]);
    expect(good.code, good.stderr).toBe(0);
    expect(failed.code).toBe(1);
    const lines = (r: CliResult) => r.stdout.split("\n").map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, ""));
    const order = ["flow waited-\\S+ Scheduled", "flow waited-\\S+ Pending — claimed by worker", "flow waited-\\S+ Running", "task step-0 Running", "warning: \\[step-0\\] about to finish", "task step-0 Completed", "flow waited-\\S+ Completed"];
    let at = -1;
    for (const pattern of order) {
      const found = lines(good).findIndex((l, i) => i > at && new RegExp(pattern).test(l));
      expect(found, `${pattern} after line ${at} in:\n${good.stdout}`).toBeGreaterThan(at);
      at = found;
    }
    expect(good.stdout.trim().split("\n").at(-1)).toMatch(/^run waited-\S+ Completed$/);
    expect(failed.stdout).toMatch(/task step-0 Failed — asked to fail/);
    expect(failed.stdout.trim().split("\n").at(-1)).toMatch(/^run waited-\S+ Failed — /);
  });
});

describe("alert bodies", { timeout: SLOW }, () => {
  const received: Array<Record<string, unknown>> = [];
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("carry the deployment's name, the run's name and the run's web UI page when CELLFLOW_UI_URL is set", async () => {
    const home = tempDir("alert-body-home");
    const dir = tempDir("alert-body");
    fs.writeFileSync(path.join(dir, "waited.ts"), FLOW);
    expect((await cli(["blocks", "create", "webhook", "ops", "--value", JSON.stringify({ url: `${base}/hook` })], { home })).code).toBe(0);
    expect((await cli(["deploy", path.join(dir, "waited.ts"), "--name", "nightly-etl", "--alert", "ops", "-p", "fail=true"], { home })).code).toBe(0);
    const queued = await cliJson<FlowRunJson>(["deployments", "run", "nightly-etl"], { home });
    const worker = await cliWithEnv(["worker", "--once"], home, { CELLFLOW_UI_URL: "http://127.0.0.1:4200/" });
    expect(worker.code, worker.stderr).toBe(0);
    const body = await until("the alert", async () => received.find((b) => b.flowRunId === queued.id));
    expect(body).toMatchObject({
      flowName: "waited",
      flowRunId: queued.id,
      flowRunName: queued.name,
      deploymentName: "nightly-etl",
      state: { type: "FAILED", name: "Failed" },
      url: `http://127.0.0.1:4200/runs/${queued.id}`,
      link: `cellflow runs show ${queued.id}`,
    });
    expect(body.text).toBe(`Flow run ${queued.name} of flow waited (${queued.id}), deployment nightly-etl, is Failed: ${String(body.message)} — http://127.0.0.1:4200/runs/${queued.id}`);
  });
});

describe("small commands", { timeout: SLOW }, () => {
  it("blocks create refuses to overwrite an existing block without --overwrite", async () => {
    const home = tempDir("overwrite-home");
    expect((await cli(["blocks", "create", "json", "settings", "--value", '{"retries":3}'], { home })).stdout).toBe("block json/settings saved\n");
    const refused = await cli(["blocks", "create", "json", "settings", "--value", '{"retries":5}'], { home });
    expect(refused.code).toBe(2);
    expect(errorLines(refused)).toEqual(["error: block json/settings already exists; nothing was changed — replace it with: cellflow blocks create json settings --overwrite …"]);
    expect((await cliJson<{ value: unknown }>(["blocks", "show", "json/settings"], { home })).value).toEqual({ retries: 3 });
    expect((await cli(["blocks", "create", "json", "settings", "--value", '{"retries":5}', "--overwrite"], { home })).stdout).toBe("block json/settings replaced\n");
    expect((await cliJson<{ value: unknown }>(["blocks", "show", "json/settings"], { home })).value).toEqual({ retries: 5 });
  });

  it("cellflow completion bash: bash parses the script and completes subcommands and options", async () => {
    const home = tempDir("completion-home");
    const script = await cli(["completion", "bash"], { home });
    expect(script.code).toBe(0);
    const file = path.join(home, "cellflow.bash");
    fs.writeFileSync(file, script.stdout);
    expect(spawnSync("bash", ["-n", file], { encoding: "utf8" }).status).toBe(0);
    const complete = (words: string[]) => {
      const program = `source ${JSON.stringify(file)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")}); COMP_CWORD=${words.length - 1}; _cellflow; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync("bash", ["-c", program], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim().split("\n").filter(Boolean).sort();
    };
    expect(complete(["cellflow", "ru"])).toEqual(["run", "runs"]);
    expect(complete(["cellflow", "runs", "p"])).toEqual(["prune"]);
    expect(complete(["cellflow", "runs", "ls", "--s"])).toEqual(["--since", "--state"]);
    expect(complete(["cellflow", "artifacts", ""])).toEqual(["ls", "show"]);
    for (const shell of ["zsh", "fish"]) expect((await cli(["completion", shell], { home })).stdout).toMatch(/cellflow/);
    const bad = await cli(["completion", "tcsh"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no completion for shell 'tcsh' — use one of bash, zsh, fish/);
  });

  it("deploy --all reports a cellflow.yaml error with its line and column, and accepts block strings and anchors", async () => {
    const home = tempDir("yaml-home");
    const dir = tempDir("yaml");
    fs.writeFileSync(path.join(dir, "waited.ts"), FLOW);
    const file = path.join(dir, "cellflow.yaml");
    fs.writeFileSync(file, "deployments:\n  - name: a\n    entrypoint: waited.ts\n    name: b\n");
    const bad = await cli(["deploy", "--all", "--file", file], { home });
    expect(bad.code).toBe(2);
    expect(errorLines(bad)).toHaveLength(1);
    expect(bad.stderr).toMatch(/cellflow\.yaml line 4, column 5: Map keys must be unique — /);
    fs.writeFileSync(file, "params: &params {fail: false}\ndeployments:\n  - name: from-anchor\n    entrypoint: waited.ts\n    parameters: *params\n    schedules:\n      - cron: >-\n          0 9\n          * * *\n");
    const ok = await cli(["deploy", "--all", "--file", file], { home });
    expect(ok.code, ok.stderr).toBe(0);
    const saved = await cliJson<{ parameters: unknown; schedules: Array<{ expression: string }> }>(["deployments", "inspect", "from-anchor"], { home });
    expect(saved.parameters).toEqual({ fail: false });
    expect(saved.schedules.map((s) => s.expression)).toEqual(["0 9 * * *"]);
  });
});
