// Benchmark: the distributed task runner on PostgreSQL, one machine. 10,000 trivial task runs fanned out over 2 and
// 4 `cellflow worker --tasks` processes (task runs per second over the flow run, and the CPU each task run cost the
// flow process, the workers and the server processes of the database, from /proc), the upstream-end →
// downstream-start latency of a chain of task runs (p50/p95: the flow process learns of an end, dispatches the next,
// a worker starts it), and the time from a task worker's SIGKILL to its task run Running on another worker.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { scratchDatabase } from "./pg-scratch.js";
import { percentile, until as poll } from "./poll.js";
import { BackendCpu, exitedChildrenCpuMs, processCpuMs } from "./proc-cpu.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const HEARTBEAT_MS = 500;
const FAN = Number(process.env.CELLFLOW_BENCH_FAN) || 10_000;
const CHAIN = 300;

const FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, getRunContext, task } from "cellflow";
const dir = path.dirname(new URL(import.meta.url).pathname);
export const noop = task("noop", (i: number) => i);
export const step = task("step", (x: number) => x + 1);
export const fan = flow({ name: "fan" }, async ({ n }: { n: number }) => {
  const done = await noop.map(Array.from({ length: n }, (_, i) => i)).result();
  return done.length;
});
export const chain = flow({ name: "chain" }, async ({ n }: { n: number }) => {
  let x = 0;
  for (let i = 0; i < n; i++) x = await step(x);
  return x;
});
const hold = task({ name: "hold", retries: 1 }, async () => {
  const { taskRun, signal } = getRunContext();
  fs.appendFileSync(path.join(dir, "held.log"), process.pid + " " + taskRun!.runCount + "\\n");
  while (taskRun!.runCount === 1) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return 1;
});
export const held = flow({ name: "held" }, async () => hold());
`;

/** Wait for `check` (three minutes at most). */
const until = <T>(check: () => T | undefined | Promise<T | undefined>): Promise<T> => poll("distributed", check, 180_000);

export async function benchDistributed(): Promise<Record<string, number>> {
  const database = await scratchDatabase("cellflow_bench_dist");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-dist-"));
  const file = path.join(home, "flows.ts");
  fs.writeFileSync(file, FLOW);
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home, CELLFLOW_DATABASE_URL: database.url, CELLFLOW_HEARTBEAT_MS: String(HEARTBEAT_MS), NO_COLOR: "1" };
  const client = new pg.Client({ connectionString: database.url });
  const workers: ChildProcess[] = [];
  const out: Record<string, number> = {};

  const startWorkers = async (n: number): Promise<void> => {
    const outputs: string[] = [];
    for (let i = 0; i < n; i++) {
      const child = spawn(process.execPath, [CLI, "worker", "--tasks"], { env, stdio: ["ignore", "pipe", "inherit"] });
      outputs.push("");
      child.stdout!.setEncoding("utf8").on("data", (c: string) => (outputs[i] += c));
      workers.push(child);
    }
    await until(() => (outputs.every((o) => o.includes("taking task runs")) ? true : undefined));
  };
  const stopWorkers = async (): Promise<void> => {
    const exits = workers.map((w) => new Promise((resolve) => (w.exitCode !== null || w.signalCode !== null ? resolve(null) : w.once("exit", resolve))));
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(exits);
    workers.length = 0;
  };
  const run = async (flowName: string, args: string[] = []): Promise<string> => {
    const child = spawn(process.execPath, [CLI, "run", `${file}:${flowName}`, "--distributed", "--json", ...args], { env, stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`bench distributed: ${flowName} exited ${code}`);
    return (JSON.parse(stdout) as { id: string }).id;
  };
  const flowSpan = async (id: string): Promise<number> => {
    const { rows } = await client.query("SELECT end_time - start_time AS ms FROM flow_runs WHERE id = $1", [id]);
    return Number(rows[0].ms);
  };

  try {
    await client.connect();
    for (const n of [2, 4]) {
      await startWorkers(n);
      await run("fan", ["-p", "n=200"]); // warm: workers import the module, the server caches plans
      // CPU of the whole fan-out command (its start and exit too), of the workers, and of the database's server processes.
      const backends = new BackendCpu(client, new URL(database.url).pathname.slice(1));
      await backends.start();
      const workersBefore = workers.reduce((sum, w) => sum + processCpuMs(w.pid!), 0);
      const flowBefore = exitedChildrenCpuMs();
      const id = await run("fan", ["-p", `n=${FAN}`]);
      const flowCpu = exitedChildrenCpuMs() - flowBefore;
      const workersCpu = workers.reduce((sum, w) => sum + processCpuMs(w.pid!), 0) - workersBefore;
      const serverCpu = await backends.stop();
      const ms = await flowSpan(id);
      const perTask = (cpuMs: number) => Math.round((cpuMs / FAN) * 1000);
      out[`fan-out of ${FAN} task runs, ${n} workers: task runs/s`] = Math.round((FAN / ms) * 1000);
      out[`fan-out of ${FAN} task runs, ${n} workers: flow run ms`] = ms;
      out[`fan-out of ${FAN} task runs, ${n} workers: CPU µs per task run, flow process`] = perTask(flowCpu);
      out[`fan-out of ${FAN} task runs, ${n} workers: CPU µs per task run, task workers`] = perTask(workersCpu);
      out[`fan-out of ${FAN} task runs, ${n} workers: CPU µs per task run, PostgreSQL (this database's connections)`] = perTask(serverCpu);
      if (n === 2) {
        const chainId = await run("chain", ["-p", `n=${CHAIN}`]);
        const { rows } = await client.query("SELECT start_time, end_time FROM task_runs WHERE flow_run_id = $1 ORDER BY start_time", [chainId]);
        const gaps: number[] = [];
        for (let i = 1; i < rows.length; i++) gaps.push(Number(rows[i].start_time) - Number(rows[i - 1].end_time));
        out[`chain of ${CHAIN}, 2 workers: upstream end → downstream start p50 ms`] = percentile(gaps, 50, 1);
        out[`chain of ${CHAIN}, 2 workers: upstream end → downstream start p95 ms`] = percentile(gaps, 95, 1);
        out[`chain of ${CHAIN}, 2 workers: ms per task run (flow run / tasks)`] = Math.round(((await flowSpan(chainId)) / CHAIN) * 10) / 10;
        // SIGKILL the worker holding the task run: time until attempt 2 is Running elsewhere.
        const heldRun = spawn(process.execPath, [CLI, "run", `${file}:held`, "--distributed"], { env, stdio: "ignore" });
        const log = path.join(home, "held.log");
        const pid = await until(() => (fs.existsSync(log) ? Number(fs.readFileSync(log, "utf8").split(" ")[0]) : undefined));
        const killedAt = Date.now();
        process.kill(pid, "SIGKILL");
        await new Promise((resolve) => heldRun.once("exit", resolve));
        const { rows: held } = await client.query("SELECT history FROM task_runs WHERE task_name = 'hold'");
        const retrying = (JSON.parse(held[0].history) as Array<[string, number]>).find(([name]) => name === "Retrying");
        out[`SIGKILL → running elsewhere ms (heartbeat ${HEARTBEAT_MS} ms, lease ${3 * HEARTBEAT_MS} ms)`] = retrying ? retrying[1] - killedAt : -1;
        workers.splice(workers.findIndex((w) => w.pid === pid), 1);
      }
      await stopWorkers();
    }
    out["load average (1 min) at the end"] = Math.round(os.loadavg()[0] * 100) / 100;
    return out;
  } finally {
    for (const w of workers) w.kill("SIGKILL");
    await client.end().catch(() => {});
    await database.drop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
