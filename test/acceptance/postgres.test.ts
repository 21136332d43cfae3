// The core CLI scenarios once more with CELLFLOW_DATABASE_URL set: the same commands, the same records, the
// store on PostgreSQL (a new database for this file, dropped at the end); and its bad inputs as one line.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, errorLines, executions, requireBuiltCli, SLOW, startCli, taskNamed, tempDir, until, type FlowRunJson } from "./helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";

requireBuiltCli();

const FLOW = `// A three-task flow whose middle task fails until a marker file exists; it logs one line per task.
import fs from "node:fs";
import path from "node:path";
import { flow, getRunLogger, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
const count = (name: string) => fs.appendFileSync(path.join(dir, name + ".count"), "x\\n");

const extract = task("extract", () => {
  count("extract");
  getRunLogger().info("extracted 3 rows");
  return [3, 1, 2];
});
const transform = task("transform", (xs: number[]) => {
  count("transform");
  if (!fs.existsSync(path.join(dir, "fixed.marker"))) throw new Error("transform is broken: create fixed.marker");
  return xs.map((x) => x * 10).sort((a, b) => a - b);
});
const load = task("load", (ys: number[]) => {
  count("load");
  return ys.length;
});

export const pipeline = flow("pipeline", async () => load(await transform(await extract())));
`;

const QUICK = `import { flow, task } from "cellflow";
const square = task("square", (x: number) => x * x);
export const quick = flow("quick", async ({ n = 3 }: { n?: number }) => {
  let total = 0;
  for (let i = 0; i < n; i++) total += await square(i);
  return total;
});
`;

const SLOW_FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, getRunLogger, task } from "cellflow";
const dir = path.dirname(new URL(import.meta.url).pathname);
const wait = task("wait", async () => {
  getRunLogger().info("waiting for go.marker");
  while (!fs.existsSync(path.join(dir, "go.marker"))) await new Promise((r) => setTimeout(r, 50));
  getRunLogger().info("done waiting");
  return 1;
});
export const slow = flow("slow", async () => wait());
`;

describe("the CLI on PostgreSQL (CELLFLOW_DATABASE_URL)", { timeout: SLOW }, () => {
  let database: TestDatabase;
  const dir = tempDir("pg-flow");
  const home = tempDir("pg-home");
  const file = path.join(dir, "pipeline.ts");
  const counter = (name: string) => executions(path.join(dir, `${name}.count`));
  let failed: FlowRunJson;

  beforeAll(async () => {
    database = await freshDatabase("accept", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    fs.writeFileSync(file, FLOW);
    fs.writeFileSync(path.join(dir, "quick.ts"), QUICK);
  }, SLOW);
  afterAll(async () => {
    delete process.env.CELLFLOW_DATABASE_URL;
    await database?.drop();
  });

  it("a failing run exits 1, and its records are in PostgreSQL, not in a SQLite file", async () => {
    const first = await cli(["run", file, "--json"], { home });
    expect(first.code, first.stderr).toBe(1);
    failed = JSON.parse(first.stdout) as FlowRunJson;
    expect(failed.state.name).toBe("Failed");
    expect(taskNamed(failed, "transform").state.message).toContain("transform is broken");
    expect(fs.existsSync(path.join(home, "cellflow.db"))).toBe(false);
    expect(await database.query("SELECT name, state_name FROM flow_runs WHERE id = $1", [failed.id])).toEqual([{ name: failed.name, state_name: "Failed" }]);
  });

  it("runs ls, runs show and runs logs --json read it back", async () => {
    const listed = await cliJson<FlowRunJson[]>(["runs", "ls", "--state", "Failed"], { home });
    expect(listed.map((r) => r.id)).toEqual([failed.id]);
    const shown = await cliJson<FlowRunJson>(["runs", "show", failed.id.slice(0, 8)], { home });
    expect(shown.taskRuns!.map((t) => [t.name, t.state.name])).toEqual([["extract", "Completed"], ["transform", "Failed"]]);
    const printed = await cli(["runs", "logs", failed.id, "--json"], { home });
    expect(printed.code, printed.stderr).toBe(0);
    // One JSON record per line, as a follower streams them.
    const logs = printed.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { message: string; level: string });
    expect(logs.some((l) => l.message === "extracted 3 rows" && l.level === "info")).toBe(true);
  });

  it("runs retry reruns from failure: extract is Cached from the first attempt, transform and load execute", async () => {
    fs.writeFileSync(path.join(dir, "fixed.marker"), "");
    const retry = await cli(["runs", "retry", failed.id.slice(0, 8), "--json"], { home });
    expect(retry.code, retry.stderr).toBe(0);
    const retried = JSON.parse(retry.stdout) as FlowRunJson;
    expect([retried.id, retried.attempt, retried.state.name, retried.result]).toEqual([failed.id, 2, "Completed", 3]);
    expect(taskNamed(retried, "extract").state.name).toBe("Cached");
    expect([counter("extract"), counter("transform"), counter("load")]).toEqual([1, 2, 1]);
  });

  it("a deployment run is queued by one process and run by a worker", async () => {
    const deployed = await cli(["deploy", `${path.join(dir, "quick.ts")}:quick`, "--name", "quick-pg"], { home });
    expect(deployed.code, deployed.stderr).toBe(0);
    const queued = await cliJson<FlowRunJson>(["deployments", "run", "quick-pg", "-p", "n=4"], { home });
    expect(queued.state.type).toBe("SCHEDULED");
    const worker = await cli(["worker", "--once"], { home });
    expect(worker.code, worker.stderr).toBe(0);
    const done = await cliJson<FlowRunJson>(["runs", "show", queued.id], { home });
    expect(done.state.name).toBe("Completed");
    const result = await cli(["runs", "result", queued.id], { home });
    expect(result.stdout.trim()).toBe("14");
  });

  it("cellflow doctor checks the PostgreSQL store; --backup and --rebuild say they are for the SQLite file", async () => {
    const doctor = await cli(["doctor"], { home });
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(/^store: postgres:\/\/.*\(\d+ bytes\)\nresults folder writable: yes .*\nresult storage: not set, .*\nintegrity: ok\n$/);
    const rebuild = await cli(["doctor", "--rebuild"], { home });
    expect(rebuild.code).toBe(2);
    expect(errorLines(rebuild)).toEqual([expect.stringMatching(/--rebuild works on the embedded SQLite store, not on PostgreSQL — back up and restore a PostgreSQL store with pg_dump/)]);
  });

  it("two processes use the store at once: both runs complete with all their task runs", async () => {
    const quick = path.join(dir, "quick.ts");
    const a = startCli(["run", quick, "-p", "n=40", "--json"], { home });
    const b = startCli(["run", quick, "-p", "n=40", "--json"], { home });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    for (const r of [ra, rb]) {
      const run = JSON.parse(r.stdout) as FlowRunJson;
      expect(run.result).toBe(20540);
      const shown = await cliJson<FlowRunJson>(["runs", "show", run.id], { home });
      expect([shown.state.name, shown.taskRuns!.length]).toEqual(["Completed", 40]);
    }
  });
});

describe("following a run on PostgreSQL", { timeout: SLOW }, () => {
  it("runs logs --follow prints another process's lines as they commit and exits when the run ends", async () => {
    const database = await freshDatabase("follow", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    const dir = tempDir("pg-follow");
    const home = tempDir("pg-follow-home");
    fs.writeFileSync(path.join(dir, "slow.ts"), SLOW_FLOW);
    const run = startCli(["run", path.join(dir, "slow.ts")], { home });
    try {
      const id = await until("the run to start", async () => {
        const rows = await database.query<{ id: string }>("SELECT id FROM flow_runs WHERE state_type = 'RUNNING'").catch(() => []);
        return rows[0]?.id;
      });
      const follow = startCli(["runs", "logs", id, "--follow"], { home });
      let printed = "";
      follow.child.stdout!.on("data", (chunk: Buffer) => (printed += chunk.toString()));
      await until("the first line", async () => (printed.includes("waiting for go.marker") ? true : undefined));
      fs.writeFileSync(path.join(dir, "go.marker"), "");
      const followed = await follow.done;
      expect(followed.code, followed.stderr).toBe(0);
      expect(followed.stdout).toMatch(/waiting for go.marker[\s\S]*done waiting/);
      expect((await run.done).code).toBe(0);
    } finally {
      run.child.kill();
      delete process.env.CELLFLOW_DATABASE_URL;
      await database.drop();
    }
  });
});

describe("bad CELLFLOW_DATABASE_URL values: one line, exit 2, no stack trace", { timeout: SLOW }, () => {
  const home = tempDir("pg-bad");
  const cases: Array<[string, string, RegExp]> = [
    ["an unreachable server", "postgres://cellflow:secret@127.0.0.1:1/cellflow", /cannot reach the PostgreSQL store postgres:\/\/cellflow:\*\*\*@127\.0\.0\.1:1\/cellflow.*start the server or fix CELLFLOW_DATABASE_URL/],
    ["a wrong scheme", "mysql://root@127.0.0.1/cellflow", /scheme 'mysql', not postgres/],
    ["a missing database", "postgres://postgres@127.0.0.1:5432/cellflow_no_such_database", /database 'cellflow_no_such_database' .* does not exist — create it/],
  ];
  afterAll(() => {
    delete process.env.CELLFLOW_DATABASE_URL;
  });
  it.each(cases)("%s", async (_what, url, message) => {
    process.env.CELLFLOW_DATABASE_URL = url;
    const r = await cli(["runs", "ls"], { home });
    expect(r.code).toBe(2);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("secret");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
