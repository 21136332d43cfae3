// The worker's pool of pre-started children, end to end: each run gets a child of its own, at most two wait idle,
// a child that dies while idle is replaced, SIGTERM ends the pool with the worker, and a pool child refuses a second
// run.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cli, cliJson, requireBuiltCli, SLOW, startCli, tempDir, until, type FlowRunJson } from "../acceptance/helpers.js";
import { Store } from "../../src/store/store.js";
import { ownerId } from "../../src/store/owner.js";
import { claimDueRuns } from "../../src/worker/claim.js";
import { runStates, runsOf } from "./helpers.js";

requireBuiltCli();

// Records which process ran which flow run.
const PID_FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, getRunContext, task } from "cellflow";
const dir = path.dirname(new URL(import.meta.url).pathname);
const note = task("note", () => {
  fs.appendFileSync(path.join(dir, "pids.log"), getRunContext().flowRun!.id + " " + process.pid + " " + (process.argv.includes("run-one") ? "fresh" : "pool") + "\\n");
  return process.pid;
});
export const pids = flow("pids", async () => note());
`;

async function deployed(): Promise<{ dir: string; home: string }> {
  const dir = tempDir("pool");
  const home = tempDir("pool-home");
  fs.writeFileSync(path.join(dir, "pids.ts"), PID_FLOW);
  const r = await cli(["deploy", path.join(dir, "pids.ts"), "--name", "pids"], { home });
  if (r.code !== 0) throw new Error(`deploy failed: ${r.stderr}`);
  return { dir, home };
}

/** Live `worker child` processes whose parent is `pid` (read from /proc). */
function poolChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (ppid === pid && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z" && cmd.includes("worker") && cmd.includes("child")) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found.sort();
}

/** Whether `pid` is still a `worker child` process. */
function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("child");
  } catch {
    return false;
  }
}

// Each test has its own store and worker (children are found by their parent's pid): they run concurrently.
describe.concurrent("the worker's child pool", { timeout: SLOW }, () => {
  it("runs each run in a child of its own (a pool child never runs two runs), and keeps two children idle at most", async () => {
    const { dir, home } = await deployed();
    const worker = startCli(["worker", "--concurrency", "6", "--poll-ms", "100"], { home });
    try {
      // Queue only once the pool is up, so the runs go to pool children rather than fresh ones. A pool fills in one
      // synchronous loop, but a child shows as one (its command line) only once it has started node: under load the
      // second can lag the first. Without the cap six would be there by the second look, a second later.
      const idle = await until("two pool children", async () => {
        const found = poolChildren(worker.child.pid!);
        return found.length >= 2 ? found : undefined;
      });
      expect(idle).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(poolChildren(worker.child.pid!)).toEqual(idle);
      const queued: string[] = [];
      for (let i = 0; i < 5; i++) queued.push((await cliJson<FlowRunJson>(["deployments", "run", "pids"], { home })).id);
      await until("five completed runs", async () => (runStates(home).filter((r) => r.name === "Completed").length === 5 ? true : undefined), 120_000);
      const lines = fs.readFileSync(path.join(dir, "pids.log"), "utf8").trim().split("\n").map((l) => l.split(" "));
      expect(lines.map(([id]) => id).sort()).toEqual([...queued].sort());
      expect(new Set(lines.map(([, pid]) => pid)).size).toBe(5);
    } finally {
      worker.child.kill("SIGTERM");
    }
    const result = await worker.done;
    expect(result.code, result.stderr).toBe(0);
  });

  it("a run due when the worker starts goes to a pool child still starting up, not to a fresh child", async () => {
    const { dir, home } = await deployed();
    const queued = (await cliJson<FlowRunJson>(["deployments", "run", "pids"], { home })).id;
    const worker = startCli(["worker", "--concurrency", "1", "--poll-ms", "100"], { home });
    try {
      await until("the run completed", async () => (runStates(home).some((r) => r.name === "Completed") ? true : undefined), 120_000);
      const lines = fs.readFileSync(path.join(dir, "pids.log"), "utf8").trim().split("\n").map((l) => l.split(" "));
      expect(lines).toEqual([[queued, expect.any(String), "pool"]]);
    } finally {
      worker.child.kill("SIGTERM");
    }
    const result = await worker.done;
    expect(result.code, result.stderr).toBe(0);
  });

  it("replaces a pool child that dies while idle, and SIGTERM leaves no pool child behind", async () => {
    const { home } = await deployed();
    const worker = startCli(["worker", "--concurrency", "2", "--poll-ms", "100"], { home });
    let children: number[] = [];
    try {
      const first = await until("two pool children", async () => {
        const found = poolChildren(worker.child.pid!);
        return found.length === 2 ? found : undefined;
      });
      process.kill(first[0], "SIGKILL");
      children = await until("a replacement child", async () => {
        const found = poolChildren(worker.child.pid!);
        return found.length === 2 && !found.includes(first[0]) ? found : undefined;
      }, 60_000);
      expect(children).toContain(first[1]);
      // The pool still runs runs.
      await cliJson(["deployments", "run", "pids"], { home });
      await until("a completed run", async () => (runStates(home).some((r) => r.name === "Completed") ? true : undefined), 120_000);
      children = poolChildren(worker.child.pid!);
    } finally {
      worker.child.kill("SIGTERM");
    }
    const result = await worker.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/a pool child exited while idle \(SIGKILL\); starting another/);
    expect(children.length).toBeGreaterThan(0);
    for (const pid of children) expect(alive(pid), `pool child ${pid} outlived its worker`).toBe(false);
  });

  it("a pool child refuses a second run id and runs only the first", async () => {
    const { home } = await deployed();
    const first = await cliJson<FlowRunJson>(["deployments", "run", "pids"], { home });
    // Claimed as a worker would claim it, so the child really runs the first run (loading its flow takes far
    // longer than the second message takes to arrive) instead of refusing it as unclaimed and exiting at once.
    const store = Store.open(home);
    try {
      expect(claimDueRuns(store, ownerId(), 1).map((r) => r.id)).toEqual([first.id]);
    } finally {
      store.close();
    }
    const second = await cliJson<FlowRunJson>(["deployments", "run", "pids"], { home });
    const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [CLI, "worker", "child"], { env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    await new Promise<void>((resolve) => child.on("message", (m: { kind: string }) => m.kind === "ready" && resolve()));
    child.send({ kind: "run", id: first.id });
    child.send({ kind: "run", id: second.id });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(stderr).toContain(`refused run ${second.id}: this child already runs ${first.id}`);
    expect(code, stderr).toBe(0);
    const runs = await runsOf(home);
    expect(runs.find((r) => r.id === first.id)?.state.name).toBe("Completed");
    expect(runs.find((r) => r.id === second.id)?.state.name).toBe("Scheduled");
  });
});
