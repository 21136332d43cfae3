// Benchmark: deployment runs through graphile-worker on PostgreSQL, two `cellflow worker` processes on one store.
// Handoff latency (run created → Running on a worker, p50/p95, runs queued one at a time) and the time from a
// worker's SIGKILL to its run Running on the other worker as attempt 2, beside the heartbeat interval and lease.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findDeployment } from "../src/deploy/deployment-store.js";
import { insertScheduledRun } from "../src/deploy/run-rows.js";
import { decodeHistory } from "../src/store/run-state.js";
import { Store } from "../src/store/store.js";
import { scratchDatabase } from "./pg-scratch.js";
import { percentile, sleep, until as poll } from "./poll.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const HEARTBEAT_MS = 500;
/** The lease the workers get (CELLFLOW_WORKER_LEASE_MS, to compare settings); the workers' default is 3 heartbeats. */
const LEASE_MS = Number(process.env.CELLFLOW_WORKER_LEASE_MS) || 3 * HEARTBEAT_MS;
const HANDOFFS = 30;
const KILLS = 3;

const FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, getRunContext, task } from "cellflow";
const dir = path.dirname(new URL(import.meta.url).pathname);
const work = task("work", async (hold: boolean) => {
  const { flowRun, signal } = getRunContext();
  fs.appendFileSync(path.join(dir, "ran.log"), flowRun!.id + " " + flowRun!.attempt + "\\n");
  while (hold && flowRun!.attempt === 1) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return 1;
});
export const counted = flow({ name: "counted", retries: 1 }, async ({ hold = false }: { hold?: boolean }) => work(hold));
`;

/** Wait for `check` (two minutes at most). */
const until = <T>(check: () => T | undefined | Promise<T | undefined>): Promise<T> => poll("pg-workers", check, 120_000);

export async function benchPgWorkers(): Promise<Record<string, number>> {
  const database = await scratchDatabase("cellflow_bench_workers");
  const url = database.url;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-pgw-"));
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home, CELLFLOW_DATABASE_URL: url, CELLFLOW_HEARTBEAT_MS: String(HEARTBEAT_MS), CELLFLOW_WORKER_LEASE_MS: String(LEASE_MS), NO_COLOR: "1" };
  const saved = process.env.CELLFLOW_DATABASE_URL;
  process.env.CELLFLOW_DATABASE_URL = url;
  const workers: ChildProcess[] = [];
  let store: Store | null = null;
  try {
    fs.writeFileSync(path.join(home, "counted.ts"), FLOW);
    for (const [deployment, extra] of [["quick", []], ["hold", ["-p", "hold=true"]]] as const) {
      const deployed = spawn(process.execPath, [CLI, "deploy", path.join(home, "counted.ts"), "--name", deployment, ...extra], { env, stdio: "ignore" });
      await new Promise((resolve) => deployed.on("exit", resolve));
    }
    const startWorker = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [CLI, "worker", "--concurrency", "2"], { env, detached: true, stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
      workers.push(child);
      await until(() => (out.includes("taking deployment runs") ? true : undefined));
      return child;
    };
    await Promise.all([startWorker(), startWorker()]);
    store = Store.open(home, { reap: false });
    const s = store;
    /** When the run's current attempt (if it is `attempt`) reached `state`: "Running", or "Pending" for its claim. */
    const reached = (id: string, attempt: number, state = "Running"): number | undefined => {
      const row = s.getFlowRunRow(id)!;
      if (row.attempt !== attempt) return undefined;
      const history = decodeHistory(row.history);
      const since = history.map((h) => h.name).lastIndexOf("AwaitingRetry");
      return history.slice(since + 1).find((h) => h.name === state)?.timestamp;
    };
    const running = (id: string, attempt: number) => reached(id, attempt);

    // Handoff: one run at a time, so every run meets an idle worker with a ready pool child.
    const handoffs: number[] = [];
    const claims: number[] = [];
    const quick = findDeployment(s, "quick");
    for (let i = 0; i < HANDOFFS; i++) {
      const created = Date.now();
      const id = insertScheduledRun(s, quick, created, {}, "bench", false)!;
      const started = await until(() => running(id, 1));
      handoffs.push(started - created);
      claims.push(reached(id, 1, "Pending")! - created);
      await until(() => (s.findFlowRun(id).state.type === "COMPLETED" ? true : undefined));
      await sleep(100);
    }

    // SIGKILL → Running elsewhere: the worker running attempt 1 is killed with its children; the other runs attempt 2.
    const failovers: number[] = [];
    const hold = findDeployment(s, "hold");
    for (let i = 0; i < KILLS; i++) {
      const id = insertScheduledRun(s, hold, Date.now(), { hold: true }, "bench", false)!;
      await until(() => running(id, 1));
      const owner = s.getFlowRunRow(id)!.owner!;
      const childPid = Number(owner.split(":").at(-2));
      const victim = workers.find((w) => w.exitCode === null && w.signalCode === null && isParentOf(w.pid!, childPid))!;
      const killed = Date.now();
      process.kill(-victim.pid!, "SIGKILL");
      const started = await until(() => running(id, 2));
      failovers.push(started - killed);
      await startWorker();
    }
    return {
      "heartbeat interval (ms)": HEARTBEAT_MS,
      "worker lease (ms)": LEASE_MS,
      "handoff created → claimed by a worker p50 (ms)": percentile(claims, 50),
      "handoff created → claimed by a worker p95 (ms)": percentile(claims, 95),
      "handoff created → Running p50 (ms)": percentile(handoffs, 50),
      "handoff created → Running p95 (ms)": percentile(handoffs, 95),
      "SIGKILL → Running elsewhere median (ms)": percentile(failovers, 50),
      "SIGKILL → Running elsewhere max (ms)": Math.max(...failovers),
      "SIGKILL → Running elsewhere / heartbeat": Math.round((percentile(failovers, 50) / HEARTBEAT_MS) * 10) / 10,
      "load average (1 min)": Math.round(os.loadavg()[0] * 10) / 10,
    };
  } finally {
    store?.close();
    for (const w of workers) {
      try {
        process.kill(-w.pid!, "SIGKILL");
      } catch {
        // gone already
      }
    }
    if (saved === undefined) delete process.env.CELLFLOW_DATABASE_URL;
    else process.env.CELLFLOW_DATABASE_URL = saved;
    await database.drop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Whether `pid` is the parent of `child` (the run's child process belongs to that worker). */
function isParentOf(pid: number, child: number): boolean {
  try {
    return Number(fs.readFileSync(`/proc/${child}/stat`, "utf8").split(") ")[1].split(" ")[1]) === pid;
  } catch {
    return false;
  }
}
