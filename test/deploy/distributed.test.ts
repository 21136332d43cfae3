// The distributed task runner on PostgreSQL: a flow run hands its task runs to `cellflow worker --tasks` processes
// through graphile-worker. A 200-task fan-out/fan-in over three workers runs every task exactly once; a killed
// worker's task run is Crashed and finishes on another as its next attempt; a paused worker's late write is
// refused; a worker whose connections are ended goes on; bad input is refused with one line. A database per test.

import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { childEnv, cli, requireBuiltCli, SLOW, startCli, tempDir, until, type CliResult } from "../acceptance/helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";
import { WorkerProcesses } from "../support/worker-processes.js";

requireBuiltCli();

/**
 * fan: 200 `effect` task runs, each inserting one row under a unique key (a second execution would fail on it),
 * then one `total` over their results. held: one `hold` task run (1 retry) whose attempt 1 waits for release.marker,
 * recording each execution's start and end in ran.log.
 */
const FLOW = `import fs from "node:fs";
import path from "node:path";
import { connectSql, flow, getRunContext, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
let db: ReturnType<typeof connectSql> | null = null;

export const effect = task("effect", async (i: number) => {
  db ??= connectSql(process.env.EFFECTS_URL!);
  await (await db).execute("INSERT INTO effects (k, worker) VALUES (?, ?)", [\`k\${i}\`, process.env.WORKER_NAME]);
  return i;
});

export const total = task("total", (xs: number[]) => xs.reduce((a, b) => a + b, 0));

export const fan = flow({ name: "fan" }, async ({ n = 200 }: { n?: number }) => {
  const parts = effect.map(Array.from({ length: n }, (_, i) => i));
  return total(await parts.result());
});

const hold = task({ name: "hold", retries: 1 }, async () => {
  const { taskRun, flowRun, signal } = getRunContext();
  const line = (what: string) => fs.appendFileSync(path.join(dir, "ran.log"), \`\${what} \${taskRun!.runCount} \${process.env.WORKER_NAME} \${flowRun!.name}\\n\`);
  line("start");
  while (taskRun!.runCount === 1 && !fs.existsSync(path.join(dir, "release.marker"))) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  line("end");
  return \`done by \${process.env.WORKER_NAME}\`;
});

export const held = flow({ name: "held", taskRunner: "distributed" }, async () => hold());

const step = task("step", () => {
  fs.appendFileSync(path.join(dir, "steps.log"), \`\${process.env.WORKER_NAME ?? "flow process"}\\n\`);
  if (!fs.existsSync(path.join(dir, "fixed.marker"))) throw new Error("step is broken: create fixed.marker");
  return 1;
});

export const flaky = flow({ name: "flaky" }, async () => step());
`;

const HEARTBEAT_MS = 400;
/**
 * The lease the workers get: long, so a worker slowed by a loaded machine is never declared dead by mistake (a
 * killed one is found by its closed database session after one heartbeat); the SIGSTOP test, about the lease
 * itself, gives a short one.
 */
const LONG_LEASE_MS = 60_000;
const SHORT_LEASE_MS = 3 * HEARTBEAT_MS;

interface Execution {
  what: "start" | "end";
  attempt: number;
  worker: string;
}

describe("the distributed task runner (cellflow worker --tasks, PostgreSQL)", { timeout: SLOW }, () => {
  let database: TestDatabase;
  let home: string;
  let dir: string;
  let flowFile: string;
  let client: pg.Client;
  const workers = new WorkerProcesses();

  beforeEach(async () => {
    database = await freshDatabase("distributed", { migrated: true });
    home = tempDir("dist-home");
    dir = tempDir("dist-flow");
    flowFile = path.join(dir, "flows.ts");
    fs.writeFileSync(flowFile, FLOW);
    process.env.CELLFLOW_DATABASE_URL = database.url;
    process.env.CELLFLOW_HEARTBEAT_MS = String(HEARTBEAT_MS);
    process.env.EFFECTS_URL = database.url;
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query("CREATE TABLE effects (k TEXT PRIMARY KEY, worker TEXT NOT NULL)");
  });

  afterEach(async (context) => {
    if (context.task.result?.state === "fail") process.stderr.write(`${workers.said()}\n`);
    workers.killAll();
    delete process.env.CELLFLOW_DATABASE_URL;
    delete process.env.CELLFLOW_HEARTBEAT_MS;
    delete process.env.EFFECTS_URL;
    await client.end();
    await database.drop();
  });

  function startWorker(name: string, args: string[] = [], leaseMs = LONG_LEASE_MS): void {
    workers.start(name, ["worker", "--tasks", "--poll-ms", "300", ...args], childEnv(home, { WORKER_NAME: name, CELLFLOW_WORKER_LEASE_MS: String(leaseMs) }));
  }

  const worker = (name: string) => workers.get(name);

  async function ready(...names: string[]): Promise<void> {
    await until("the task workers to take task runs", async () => (names.every((n) => worker(n).output().includes("taking task runs")) ? true : undefined), 120_000, 200);
  }

  /** The run's end; a failure names what every worker said. */
  function expectCompleted(r: CliResult): void {
    if (r.code !== 0) throw new Error(`the flow run exited ${r.code}:\n${r.stderr}${r.stdout}\n${workers.said()}`);
  }

  function executions(): Execution[] {
    const file = path.join(dir, "ran.log");
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [what, attempt, name] = line.split(" ");
        return { what: what as Execution["what"], attempt: Number(attempt), worker: name };
      });
  }

  async function holdRow(): Promise<{ state_name: string; run_count: number; history: string; worker_id: string | null }> {
    return (await client.query("SELECT state_name, run_count, history, worker_id FROM task_runs WHERE task_name = 'hold'")).rows[0];
  }

  /** Two workers and the held flow run started: the flow process, and attempt 1's worker once it started. */
  async function heldOnTwoWorkers(leaseMs = LONG_LEASE_MS): Promise<{ run: ReturnType<typeof startCli>; first: Execution }> {
    startWorker("A", ["--concurrency", "1"], leaseMs);
    startWorker("B", ["--concurrency", "1"], leaseMs);
    await ready("A", "B");
    const run = startCli(["run", `${flowFile}:held`], { home });
    const first = await until("attempt 1 to start", async () => executions()[0], 90_000, 100);
    return { run, first };
  }

  it("200 fanned-out task runs over three workers: each runs exactly once, on at least two workers, and the fan-in sees them all", async () => {
    startWorker("A");
    startWorker("B");
    startWorker("C");
    await ready("A", "B", "C");
    const r = await cli(["run", `${flowFile}:fan`, "--distributed", "--json"], { home });
    expectCompleted(r);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: { name: "Completed" }, result: (199 * 200) / 2 });
    const effects = (await client.query("SELECT count(*)::int AS n, count(DISTINCT worker)::int AS workers FROM effects")).rows[0];
    expect(effects.n).toBe(200);
    expect(effects.workers).toBeGreaterThanOrEqual(2);
    const tasks = (await client.query("SELECT task_name, state_name, run_count, count(*)::int AS n FROM task_runs GROUP BY 1, 2, 3 ORDER BY 1")).rows;
    expect(tasks).toEqual([
      { task_name: "effect", state_name: "Completed", run_count: 1, n: 200 },
      { task_name: "total", state_name: "Completed", run_count: 1, n: 1 },
    ]);
    // Task runs are held by the worker that ran them; every job is done.
    const held = (await client.query("SELECT count(DISTINCT worker_id)::int AS n FROM task_runs WHERE worker_id IS NOT NULL")).rows[0];
    expect(held.n).toBeGreaterThanOrEqual(2);
    await until("every job to be done", async () => ((await client.query("SELECT count(*)::int AS n FROM graphile_worker.jobs")).rows[0].n === 0 ? true : undefined), 30_000, 200);
  });

  it("a fan-out's task runs are written once before a worker takes them: Pending with their job, not Pending and then again", async () => {
    startWorker("A");
    await ready("A");
    // Counts the flow process's second write of a task run (the one that marks it dispatched). More task runs than
    // the writer holds before it flushes (500): the first ones' rows would be flushed before they are dispatched.
    await client.query(`CREATE TABLE rewrites (id TEXT);
      CREATE FUNCTION count_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO rewrites VALUES (NEW.id); RETURN NULL; END $$;
      CREATE TRIGGER zz_rewrite AFTER UPDATE ON task_runs FOR EACH ROW WHEN (OLD.max_retries IS NULL AND NEW.max_retries IS NOT NULL) EXECUTE FUNCTION count_rewrite();`);
    const r = await cli(["run", `${flowFile}:fan`, "--distributed", "--json", "-p", "n=600"], { home });
    expectCompleted(r);
    const rewritten = (await client.query("SELECT t.task_name, count(*)::int AS n FROM rewrites r JOIN task_runs t USING (id) GROUP BY 1 ORDER BY 1")).rows;
    expect(rewritten).toEqual([]);
    expect((await client.query("SELECT count(*)::int AS n FROM effects")).rows[0].n).toBe(600);
  });

  it("SIGKILL a worker mid-task: the task run is Crashed and finishes on the other worker as attempt 2", async () => {
    const { run, first } = await heldOnTwoWorkers();
    const survivor = first.worker === "A" ? "B" : "A";
    worker(first.worker).child.kill("SIGKILL");
    expectCompleted(await run.done);
    const row = await holdRow();
    expect(row.state_name).toBe("Completed");
    expect(row.run_count).toBe(2);
    // Attempt 1's Running may not have reached the store before the kill (it is written at the worker's next trip).
    const names = (JSON.parse(row.history) as Array<[string]>).map((h) => h[0]).filter((n, i) => n !== "Running" || i !== 1);
    expect(names).toEqual(["Pending", "Crashed", "AwaitingRetry", "Retrying", "Completed"]);
    expect(executions()).toEqual([first, { what: "start", attempt: 2, worker: survivor }, { what: "end", attempt: 2, worker: survivor }]);
    expect(worker(survivor).output()).toMatch(/task run hold-0 \(\w+\) attempt 1 Crashed with its worker; attempt 2 back in the queue/);
    // Found by its closed database session, not after its (long) lease.
    expect(worker(survivor).output()).toMatch(/stopped heartbeating: declared dead, its queue locks freed \(its database session is gone\)/);
  });

  it("SIGSTOP a worker past its lease, then SIGCONT: its late write is refused", async () => {
    const { run, first } = await heldOnTwoWorkers(SHORT_LEASE_MS);
    const zombie = worker(first.worker);
    zombie.child.kill("SIGSTOP");
    expectCompleted(await run.done);
    const done = await holdRow();
    expect(done).toMatchObject({ state_name: "Completed", run_count: 2 });
    // Attempt 1 may finish now: its Completed must not land over attempt 2's.
    fs.writeFileSync(path.join(dir, "release.marker"), "");
    zombie.child.kill("SIGCONT");
    await until("the zombie to report its refused write", async () => (/hold-0 \(\w+\) was taken from this worker while it was silent: its late writes were refused/.test(zombie.output()) ? true : undefined), 90_000, 200);
    expect(await holdRow()).toEqual(done);
  });

  it("runs cancel of a distributed flow run: its task run ends Cancelled and its worker stops executing it", async () => {
    const { run, first } = await heldOnTwoWorkers();
    const id = await until("the flow run's id", async () => (await client.query("SELECT id FROM flow_runs WHERE flow_name = 'held'")).rows[0]?.id as string | undefined, 30_000, 100);
    const cancel = await cli(["runs", "cancel", id], { home });
    expect(cancel.code).toBe(0);
    const r = await run.done;
    expect(r.code).toBe(1);
    expect((await client.query("SELECT state_name FROM flow_runs WHERE id = $1", [id])).rows[0].state_name).toBe("Cancelled");
    const cancelled = await holdRow();
    expect(cancelled.state_name).toBe("Cancelled");
    // The worker sees the task run taken from it and aborts it (the task's signal fires; it never reaches its end).
    await until("the worker to stop the task run", async () => (/hold-0 \(\w+\) was taken from this worker \(its flow run was cancelled, or it runs elsewhere\): stopping it here/.test(worker(first.worker).output()) ? true : undefined), 60_000, 100);
    // The worker commits its end before it completes the job: once no job is left, its write was made (and dropped).
    await until("the worker to finish the job", async () => ((await client.query("SELECT count(*)::int AS n FROM graphile_worker.jobs")).rows[0].n === 0 ? true : undefined), 60_000, 100);
    expect(await holdRow()).toEqual(cancelled);
    expect(executions()).toEqual([first]);
  });

  it("pg_terminate_backend on a worker's connections: it reconnects and goes on", async () => {
    startWorker("A");
    await ready("A");
    const small = ["run", `${flowFile}:fan`, "--distributed", "-p", "n=5"];
    expectCompleted(await cli(small, { home }));
    const { rows } = await client.query("SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    expect(rows[0].n).toBeGreaterThan(0);
    await client.query("DELETE FROM effects");
    expectCompleted(await cli(small, { home }));
    expect((await client.query("SELECT count(*)::int AS n FROM effects")).rows[0].n).toBe(5);
  });

  it("a task worker with other code refuses the task run, and the flow run fails saying why", async () => {
    startWorker("A");
    await ready("A");
    // The worker imports the file as it is now; the flow process then runs an edited copy.
    const edited = path.join(dir, "flows.ts");
    const r1 = await cli(["run", `${flowFile}:fan`, "--distributed", "-p", "n=1"], { home });
    expectCompleted(r1);
    fs.writeFileSync(edited, FLOW.replace("reduce((a, b) => a + b, 0)", "reduce((a, b) => a + b, 1)"));
    const r2 = await cli(["run", `${flowFile}:fan`, "--distributed", "-p", "n=1"], { home });
    expect(r2.code).toBe(1);
    expect(r2.stdout + r2.stderr).toMatch(/this task worker imported an older .*flows\.ts/);
  });

  it("runs retry of a `run --distributed` run sends its task runs to the task workers again", async () => {
    startWorker("A");
    await ready("A");
    const first = await cli(["run", `${flowFile}:flaky`, "--distributed", "--json"], { home });
    expect(first.code, first.stderr).toBe(1);
    const failed = JSON.parse(first.stdout) as { id: string; state: { name: string } };
    expect(failed.state.name).toBe("Failed");
    fs.writeFileSync(path.join(dir, "fixed.marker"), "");
    expectCompleted(await cli(["runs", "retry", failed.id.slice(0, 8)], { home }));
    // Both executions on the task worker; a local rerun would say "flow process".
    expect(fs.readFileSync(path.join(dir, "steps.log"), "utf8").split("\n").filter(Boolean)).toEqual(["A", "A"]);
    expect((await client.query("SELECT task_runner, attempt FROM flow_runs WHERE id = $1", [failed.id])).rows[0]).toEqual({ task_runner: "distributed", attempt: 2 });
  });

  it("bad input: --distributed on SQLite, on a notebook, and worker --tasks on SQLite exit 2 with one line", async () => {
    delete process.env.CELLFLOW_DATABASE_URL;
    const sqlite = await cli(["run", `${flowFile}:fan`, "--distributed"], { home });
    expect(sqlite.code).toBe(2);
    expect(sqlite.stderr.trim()).toMatch(/^error: distributed task runs need the store on PostgreSQL — set CELLFLOW_DATABASE_URL/);
    expect(sqlite.stderr.trim().split("\n")).toHaveLength(1);
    const taskWorker = await cli(["worker", "--tasks"], { home });
    expect(taskWorker.code).toBe(2);
    expect(taskWorker.stderr.trim()).toMatch(/^error: cellflow worker --tasks needs the store on PostgreSQL/);
    const once = await cli(["worker", "--tasks", "--once"], { home });
    expect(once.code).toBe(2);
    expect(once.stderr.trim()).toMatch(/--once does not go with --tasks/);
    process.env.CELLFLOW_DATABASE_URL = database.url;
    const notebook = path.join(dir, "n.ipynb");
    fs.writeFileSync(notebook, JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    const nb = await cli(["run", notebook, "--distributed"], { home });
    expect(nb.code).toBe(2);
    expect(nb.stderr.trim()).toMatch(/^error: --distributed needs a flow in a module file, and n\.ipynb is a notebook/);
  });
});
