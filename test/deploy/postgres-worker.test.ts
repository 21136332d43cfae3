// Workers sharing one store on PostgreSQL, runs handed out through graphile-worker: every run exactly once over
// two workers, two schedulers never planning a run twice, a killed worker's run crashed and retried elsewhere, a
// paused worker's late writes refused, and a worker that loses its connections going on. A database per test.

import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { childEnv, cli, requireBuiltCli, SLOW, tempDir, until } from "../acceptance/helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";
import { WorkerProcesses } from "../support/worker-processes.js";

requireBuiltCli();

/** Records `run-id attempt worker` per execution; attempt 1 of a `hold` run waits for release.marker. */
const FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, getRunContext, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);

const work = task("work", async (hold: boolean) => {
  const { flowRun, signal } = getRunContext();
  fs.appendFileSync(path.join(dir, "ran.log"), \`\${flowRun!.id} \${flowRun!.attempt} \${process.env.WORKER_NAME}\\n\`);
  while (hold && flowRun!.attempt === 1 && !fs.existsSync(path.join(dir, "release.marker"))) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return "done";
});

export const counted = flow({ name: "counted", retries: 1 }, async ({ hold = false }: { hold?: boolean }) => work(hold));
`;

const HEARTBEAT_MS = 400;
/**
 * Workers get a long lease, so a worker slowed by a loaded machine is never declared dead by mistake (a killed one
 * is found by its closed database session after one heartbeat); the SIGSTOP test, about the lease, a short one.
 */
const LONG_LEASE_MS = 60_000;
const SHORT_LEASE_MS = 3 * HEARTBEAT_MS;

interface Execution {
  id: string;
  attempt: number;
  worker: string;
}

describe("cellflow worker on PostgreSQL (graphile-worker)", { timeout: SLOW }, () => {
  let database: TestDatabase;
  let home: string;
  let dir: string;
  let client: pg.Client;
  // Each in its own process group, so its run children are signalled with it.
  const workers = new WorkerProcesses({ group: true });

  beforeEach(async () => {
    database = await freshDatabase("workers", { migrated: true });
    home = tempDir("pgw-home");
    dir = tempDir("pgw-flow");
    fs.writeFileSync(path.join(dir, "counted.ts"), FLOW);
    // The CLI this test starts (deploy) and the store it opens itself are on the test's database.
    process.env.CELLFLOW_DATABASE_URL = database.url;
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterEach(async (context) => {
    // A failure shows what the workers said.
    if (context.task.result?.state === "fail") process.stderr.write(`${workers.said()}\n`);
    workers.killAll();
    delete process.env.CELLFLOW_DATABASE_URL;
    await client.end();
    await database.drop();
  });

  function startWorker(name: string, args: string[] = [], leaseMs = LONG_LEASE_MS): void {
    const env = { CELLFLOW_DATABASE_URL: database.url, CELLFLOW_HEARTBEAT_MS: String(HEARTBEAT_MS), CELLFLOW_WORKER_LEASE_MS: String(leaseMs), WORKER_NAME: name };
    workers.start(name, ["worker", "--poll-ms", "300", ...args], childEnv(home, env));
  }

  const outputOf = (name: string) => workers.get(name).output();

  /** Wait until every named worker says it takes runs from graphile-worker. */
  async function ready(...names: string[]): Promise<void> {
    await until("the workers to take runs", async () => (names.every((n) => outputOf(n).includes("taking deployment runs from graphile-worker")) ? true : undefined), 120_000, 200);
  }

  async function deploy(args: string[] = []): Promise<void> {
    const r = await cli(["deploy", path.join(dir, "counted.ts"), "--name", "counted", ...args], { home });
    if (r.code !== 0) throw new Error(`deploy failed: ${r.stderr}`);
  }

  /** Wait for run `id` to be Completed; on timeout the error carries every worker's output. */
  async function completed(id: string, timeoutMs = 90_000): Promise<void> {
    await until("the run to complete", async () => ((await runRow(id)).state_name === "Completed" ? true : undefined), timeoutMs, 200).catch((error: Error) => {
      throw new Error(`${error.message}; executions ${JSON.stringify(executions())}; the workers said:\n${workers.said()}`);
    });
  }

  /** Two workers and one held run (its attempt 1 waits for release.marker): the run and its first execution. */
  async function heldRunOnTwoWorkers(leaseMs = LONG_LEASE_MS): Promise<{ id: string; first: Execution }> {
    await deploy(["-p", "hold=true"]);
    startWorker("A", ["--concurrency", "1"], leaseMs);
    startWorker("B", ["--concurrency", "1"], leaseMs);
    await ready("A", "B");
    const [id] = await queueRuns(1);
    const first = await until("the first execution", async () => executions()[0], 60_000, 100);
    return { id, first };
  }

  function executions(): Execution[] {
    const file = path.join(dir, "ran.log");
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [id, attempt, worker] = line.split(" ");
        return { id, attempt: Number(attempt), worker };
      });
  }

  /** Queue `n` runs of the deployment in one statement each, as `deployments run` does (run row + job, one transaction). */
  async function queueRuns(n: number, parameters: Record<string, unknown> = {}): Promise<string[]> {
    const { Store } = await import("../../src/store/store.js");
    const { findDeployment } = await import("../../src/deploy/deployment-store.js");
    const { insertScheduledRun } = await import("../../src/deploy/run-rows.js");
    const store = Store.open(home, { reap: false });
    try {
      const deployment = findDeployment(store, "counted");
      return Array.from({ length: n }, () => insertScheduledRun(store, deployment, Date.now(), { ...deployment.parameters, ...parameters }, "queued by the test", false)!);
    } finally {
      store.close();
    }
  }

  async function runRow(id: string): Promise<{ state_name: string; attempt: number; history: string; worker_id: string | null }> {
    return (await client.query("SELECT state_name, attempt, history, worker_id FROM flow_runs WHERE id = $1", [id])).rows[0];
  }

  it("20 queued runs over two workers: each runs exactly once, and both workers take some", async () => {
    await deploy();
    startWorker("A", ["--concurrency", "2"]);
    startWorker("B", ["--concurrency", "2"]);
    await ready("A", "B");
    const ids = await queueRuns(20);
    await until("20 completed runs", async () => {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM flow_runs WHERE state_name = 'Completed'");
      return rows[0].n === 20 ? true : undefined;
    }, 90_000, 200);
    const ran = executions();
    expect(ran.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(new Set(ran.map((e) => e.worker))).toEqual(new Set(["A", "B"]));
    // Every job is done (a handler returns just after its run ends): graphile-worker holds none of them any more.
    await until("every job to be done", async () => {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM graphile_worker.jobs");
      return rows[0].n === 0 ? true : undefined;
    }, 30_000, 200);
  });

  it("two workers' schedulers never create a run twice", async () => {
    await deploy(["--interval", "1s"]);
    startWorker("A");
    startWorker("B");
    await ready("A", "B");
    await until("6 completed runs", async () => {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM flow_runs WHERE state_name = 'Completed'");
      return rows[0].n >= 6 ? true : undefined;
    }, 90_000, 200);
    const { rows } = await client.query("SELECT scheduled_time, count(*)::int AS n FROM flow_runs GROUP BY scheduled_time HAVING count(*) > 1");
    expect(rows).toEqual([]);
    const ran = executions();
    expect(new Set(ran.map((e) => e.id)).size).toBe(ran.length);
  });

  it("SIGKILL a worker mid-run: the run is Crashed and runs on the other worker as attempt 2", async () => {
    const { id, first } = await heldRunOnTwoWorkers();
    const victim = workers.get(first.worker);
    const survivor = first.worker === "A" ? "B" : "A";
    process.kill(-victim.child.pid!, "SIGKILL");
    await completed(id);
    const row = await runRow(id);
    expect(row.attempt).toBe(2);
    const names = (JSON.parse(row.history) as Array<[string]>).map((h) => h[0]);
    expect(names).toEqual(expect.arrayContaining(["Crashed", "AwaitingRetry"]));
    expect(names.indexOf("AwaitingRetry")).toBeGreaterThan(names.indexOf("Crashed"));
    expect(executions()).toEqual([first, { id, attempt: 2, worker: survivor }]);
    expect(outputOf(survivor)).toMatch(/stopped heartbeating: declared dead/);
  });

  it("SIGSTOP a worker past its lease, then SIGCONT: its late writes are refused", async () => {
    const { id, first } = await heldRunOnTwoWorkers(SHORT_LEASE_MS);
    const zombie = workers.get(first.worker);
    process.kill(-zombie.child.pid!, "SIGSTOP");
    // The other worker reaps it and runs attempt 2 to its end.
    await completed(id);
    expect((await runRow(id)).attempt).toBe(2);
    // Attempt 1 may now finish: its Completed must not land over attempt 2's.
    fs.writeFileSync(path.join(dir, "release.marker"), "");
    process.kill(-zombie.child.pid!, "SIGCONT");
    await until("the refused write to be logged", async () => (/late writes were refused/.test(zombie.output()) ? true : undefined), 120_000, 200);
    const row = await runRow(id);
    expect(row).toMatchObject({ state_name: "Completed", attempt: 2 });
    expect(row.worker_id).not.toContain(`:${zombie.child.pid}:`);
    // The zombie's task run of attempt 1 stays as the reaper left it (Crashed, or absent when the zombie was paused
    // before its first write reached the store): its Completed was dropped by the fence.
    const tasks = (await client.query("SELECT flow_attempt, state_name FROM task_runs WHERE flow_run_id = $1 ORDER BY flow_attempt", [id])).rows;
    expect(tasks.filter((t) => t.flow_attempt === 1).map((t) => t.state_name)).not.toContain("Completed");
    expect(tasks.filter((t) => t.flow_attempt === 2)).toEqual([{ flow_attempt: 2, state_name: "Completed" }]);
  });

  it("pg_terminate_backend on a worker's connections: it reconnects and goes on", async () => {
    await deploy();
    startWorker("A", ["--concurrency", "1"]);
    await ready("A");
    const [before] = await queueRuns(1);
    await completed(before, 120_000);
    const { rows } = await client.query("SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    expect(rows[0].n).toBeGreaterThan(0);
    const [after] = await queueRuns(1);
    await completed(after);
    expect(executions().map((e) => e.id)).toEqual([before, after]);
  });
});
