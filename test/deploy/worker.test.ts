// Workers end to end: real worker processes run deployment runs in child processes against a temporary store.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, cliJson, requireBuiltCli, SLOW, startCli, tempDir, until, type FlowRunJson } from "../acceptance/helpers.js";
import { ranIds, runsOf, runStates, stateNameOf, withDb, writeFlow } from "./helpers.js";
import { Store } from "../../src/store/store.js";
import { listDeployments, updateSchedulePlan } from "../../src/deploy/deployment-store.js";
import { DEFAULT_LATE_AFTER_MS, schedulerPass } from "../../src/deploy/scheduler.js";

requireBuiltCli();

async function deploy(home: string, args: string[]): Promise<void> {
  const r = await cli(["deploy", ...args], { home });
  if (r.code !== 0) throw new Error(`deploy failed: ${r.stderr}`);
}

async function queue(home: string, name: string, params: string[] = []): Promise<FlowRunJson> {
  return cliJson<FlowRunJson>(["deployments", "run", name, ...params.flatMap((p) => ["-p", p])], { home });
}

async function stateOf(home: string, id: string): Promise<FlowRunJson> {
  return cliJson<FlowRunJson>(["runs", "show", id], { home });
}

// Each test has its own flow folder and store: they run concurrently, so one waiting on a worker does not hold up the rest.
describe.concurrent("cellflow worker", { timeout: SLOW }, () => {
  it("runs a deployment with a 2-second interval several times, then stops cleanly on SIGTERM", async () => {
    const dir = tempDir("worker-interval");
    const home = tempDir("worker-interval-home");
    await deploy(home, [writeFlow(dir), "--name", "every-2s", "--interval", "2s"]);
    const worker = startCli(["worker", "--poll-ms", "200"], { home });
    try {
      await until("three completed runs", async () => (runStates(home).filter((r) => r.name === "Completed" && r.deploymentId).length >= 3 ? true : undefined));
    } finally {
      worker.child.kill("SIGTERM");
    }
    const result = await worker.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/worker: stopped: \d+ runs started/);
    const completed = (await runsOf(home)).filter((r) => r.state.name === "Completed");
    // Each run executed once, and each had its own scheduled time.
    expect(new Set(ranIds(dir)).size).toBe(ranIds(dir).length);
    expect(new Set(completed.map((r) => r.scheduledTime)).size).toBe(completed.length);
  });

  it("two workers racing for the same due runs: each run executes exactly once", async () => {
    const dir = tempDir("worker-race");
    const home = tempDir("worker-race-home");
    await deploy(home, [writeFlow(dir), "--name", "race"]);
    const queued = (await Promise.all(Array.from({ length: 6 }, () => queue(home, "race")))).map((r) => r.id);
    const a = startCli(["worker", "--once", "--concurrency", "6"], { home });
    const b = startCli(["worker", "--once", "--concurrency", "6"], { home });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(ranIds(dir).sort()).toEqual([...queued].sort());
    const startedBy = (out: string) => (out.match(/worker: run \S+ \(\w+\) of counted starting/g) ?? []).length;
    expect(startedBy(ra.stdout) + startedBy(rb.stdout)).toBe(6);
    // One `runs ls` reads all six through the CLI (a `runs show` each cost six CLI start-ups).
    const listed = new Map((await runsOf(home)).map((r) => [r.id, r.state.name]));
    expect(queued.map((id) => listed.get(id))).toEqual(queued.map(() => "Completed"));
  });

  it("a worker SIGKILLed mid-run leaves the run Crashed, and a new worker runs the next one", async () => {
    const dir = tempDir("worker-kill");
    const home = tempDir("worker-kill-home");
    await deploy(home, [writeFlow(dir), "--name", "blocking", "-p", "block=true"]);
    const first = await queue(home, "blocking");
    const worker = startCli(["worker"], { home });
    try {
      await until("the run to be Running", async () => (stateNameOf(home, first.id) === "Running" && ranIds(dir).length === 1 ? true : undefined));
    } finally {
      worker.child.kill("SIGKILL");
    }
    expect((await worker.done).signal).toBe("SIGKILL");
    const crashed = await until("the run to be Crashed", async () => {
      const run = await stateOf(home, first.id);
      return run.state.name === "Crashed" ? run : undefined;
    });
    expect(crashed.state.message).toMatch(/is gone/);
    fs.writeFileSync(path.join(dir, "release.marker"), "");
    const second = await queue(home, "blocking");
    const next = await cli(["worker", "--once"], { home });
    expect(next.code, next.stderr).toBe(0);
    expect((await stateOf(home, second.id)).state.name).toBe("Completed");
    expect((await stateOf(home, first.id)).state.name).toBe("Crashed");
  });

  it("SIGTERM: the worker stops claiming, cancels a run that outlives the grace period, and exits 0", async () => {
    const dir = tempDir("worker-term");
    const home = tempDir("worker-term-home");
    await deploy(home, [writeFlow(dir), "--name", "blocking", "-p", "block=true"]);
    const running = await queue(home, "blocking");
    const worker = startCli(["worker", "--concurrency", "1", "--grace", "1s"], { home });
    await until("the run to be Running", async () => (stateNameOf(home, running.id) === "Running" ? true : undefined));
    const waiting = await queue(home, "blocking");
    worker.child.kill("SIGTERM");
    const result = await worker.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/cancelling 1 run/);
    const ended = await stateOf(home, running.id);
    expect(ended.state.name).toBe("Cancelled");
    expect(ended.state.message).toMatch(/worker is shutting down/);
    // Never claimed: still waiting for a worker.
    expect((await stateOf(home, waiting.id)).state.type).toBe("SCHEDULED");
    expect(ranIds(dir)).toEqual([running.id]);
  });

  it("SIGTERM lets a run finish within the grace period", async () => {
    const dir = tempDir("worker-grace");
    const home = tempDir("worker-grace-home");
    await deploy(home, [writeFlow(dir), "--name", "blocking", "-p", "block=true"]);
    const run = await queue(home, "blocking");
    const worker = startCli(["worker", "--grace", "120s"], { home });
    let out = "";
    worker.child.stdout!.on("data", (chunk: string) => (out += chunk));
    await until("the run to be Running", async () => (stateNameOf(home, run.id) === "Running" ? true : undefined));
    worker.child.kill("SIGTERM");
    await until("the worker to say it waits for the run", async () => (/waiting up to 120s for 1 running run/.test(out) ? true : undefined));
    expect(worker.child.exitCode).toBeNull();
    fs.writeFileSync(path.join(dir, "release.marker"), "");
    const result = await worker.done;
    expect(result.code, result.stderr).toBe(0);
    expect((await stateOf(home, run.id)).state.name).toBe("Completed");
  });

  it("deployments run merges -p overrides with the defaults, validated before anything is queued (flows/ingest.ts)", async () => {
    const home = tempDir("worker-params-home");
    await deploy(home, ["flows/ingest.ts:ingest", "--name", "ingest-green", "-p", "color=green", "-p", "months=[1]"]);
    const bad = await cli(["deployments", "run", "ingest-green", "-p", "months=[13]"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^error: flow 'ingest': parameter `months.0` is invalid: .*got 13/);
    expect(await runsOf(home)).toEqual([]);
    const queued = await queue(home, "ingest-green", ["months=[1,2,3]"]);
    expect(queued.state.name).toBe("Scheduled");
    expect(queued.parameters).toEqual({ color: "green", months: [1, 2, 3] });
    const worker = await cli(["worker", "--once"], { home });
    expect(worker.code, worker.stderr).toBe(0);
    const run = await stateOf(home, queued.id);
    expect(run.state.name).toBe("Completed");
    expect(run.attempt).toBe(1);
    expect(run.taskRuns!.filter((t) => t.name === "read-trips")).toHaveLength(3);
    const history = withDb(home, (db) => (db.prepare("SELECT history FROM flow_runs WHERE id = ?").get(queued.id) as { history: string }).history);
    expect((JSON.parse(history) as Array<[string]>).map((h) => h[0])).toEqual(["Scheduled", "Pending", "Pending", "Running", "Completed"]);
  });

  it("deployments pause removes the Scheduled runs not started yet, also one already due, and a worker runs none; resume plans again", async () => {
    const dir = tempDir("worker-pause");
    const home = tempDir("worker-pause-home");
    // An hourly slot that fell due a second ago, planned before it was due, as a worker plans ahead. Rather than wait
    // for a slot to come due in real time, the worker's scheduler pass runs here (in process) as of half a second
    // before the slot, from a plan made a second before it (the deploy itself planned from its own, later, time).
    const due = Math.floor(Date.now() / 1000) * 1000 - 1000;
    await deploy(home, [writeFlow(dir), "--name", "paused", "--interval", "1h", "--anchor", new Date(due).toISOString().slice(0, 19)]);
    const store = Store.open(home);
    try {
      const [deployment] = listDeployments(store);
      updateSchedulePlan(store, deployment.schedules[0].id, due - 1000, []);
      expect(schedulerPass(store, due - 500, { lateAfterMs: DEFAULT_LATE_AFTER_MS }).created).toBeGreaterThan(0);
    } finally {
      store.close();
    }
    const planned = (await runsOf(home)).filter((r) => r.state.name === "Scheduled");
    expect(planned.map((r) => Date.parse(r.scheduledTime!))).toContain(due);
    expect((await cli(["deployments", "pause", "paused"], { home })).code).toBe(0);
    expect((await runsOf(home)).filter((r) => r.state.type === "SCHEDULED")).toEqual([]);
    const worker = await cli(["worker", "--once"], { home });
    expect(worker.code, worker.stderr).toBe(0);
    expect(ranIds(dir)).toEqual([]);
    expect(await runsOf(home)).toEqual([]);
    expect((await cli(["deployments", "resume", "paused"], { home })).code).toBe(0);
    expect((await cli(["worker", "--once"], { home })).code).toBe(0);
    const replanned = (await runsOf(home)).filter((r) => r.state.name === "Scheduled");
    expect(replanned.length).toBeGreaterThan(0);
    expect(replanned.every((r) => Date.parse(r.scheduledTime!) > due)).toBe(true);
    expect(ranIds(dir)).toEqual([]);
  });

  it("runs a notebook deployment through a worker", async () => {
    const home = tempDir("worker-notebook-home");
    await deploy(home, ["notebooks/taxi-ingest.ipynb", "--name", "taxi"]);
    const queued = await queue(home, "taxi");
    expect(queued.flowName).toBe("taxi-ingest");
    const worker = await cli(["worker", "--once"], { home });
    expect(worker.code, worker.stderr).toBe(0);
    const run = await stateOf(home, queued.id);
    expect(run.state.name, run.state.message).toBe("Completed");
    expect(run.taskRuns!.length).toBeGreaterThan(0);
  });
});
