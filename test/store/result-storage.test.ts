// Results every machine can read: on PostgreSQL, results over the inline limit go to a result storage (a shared
// `filesystem` block set with `cellflow config set result-storage`). Two CELLFLOW_HOMEs stand for two machines
// sharing one database and one mounted folder; a result that cannot be stored fails its task, one that is on
// another machine's disk fails to load with one line naming it, where it was looked for and the fix.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configureStore, getEngine } from "../../src/engine/engine.js";
import { flow, task } from "../../src/index.js";
import { saveBlock } from "../../src/blocks/store.js";
import { resultPath } from "../../src/store/results.js";
import { serializeResult } from "../../src/store/serialize.js";
import { RESULT_STORAGE_FOLDER } from "../../src/store/result-storage.js";
import { RESULT_STORAGE_RECHECK_MS } from "../../src/store/store.js";
import { byKey, flushed, freshStore, tempHome } from "../engine/helpers.js";
import { CLI, cli, errorLines, requireBuiltCli, SLOW, tempDir, until, type CliResult, type FlowRunJson } from "../acceptance/helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";

requireBuiltCli();

/** A ~200 KB result (far over the 4 KB inline limit), cached by its input across runs, and a task that reads it. */
const FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, task } from "cellflow";
const dir = path.dirname(new URL(import.meta.url).pathname);
const make = task({ name: "make", cachePolicy: "inputs" }, (n: number) => {
  fs.appendFileSync(path.join(dir, "ran.count"), "x\\n");
  return "r".repeat(n);
});
const size = task("size", (s: string) => s.length);
export const big = flow("big", async ({ n = 200_000 }: { n?: number }) => size(await make(n)));
`;

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("result storage across machines on PostgreSQL (two CELLFLOW_HOMEs, one database, one shared folder)", { timeout: SLOW }, () => {
  let database: TestDatabase;
  const machineA = tempDir("machine-a");
  const machineB = tempDir("machine-b");
  const shared = tempDir("shared-mount");
  const flows = tempDir("result-flows");
  const file = path.join(flows, "big.ts");
  let key = "";

  /** The CLI as machine B would run it: its own CELLFLOW_HOME, and CELLFLOW_SECRET_KEY when given. */
  async function onB(args: string[], secretKey?: string): Promise<CliResult> {
    if (secretKey) process.env.CELLFLOW_SECRET_KEY = secretKey;
    try {
      return await cli(args, { home: machineB });
    } finally {
      delete process.env.CELLFLOW_SECRET_KEY;
    }
  }

  beforeAll(async () => {
    database = await freshDatabase("results", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    fs.writeFileSync(file, FLOW);
  }, SLOW);
  afterAll(async () => {
    delete process.env.CELLFLOW_DATABASE_URL;
    await database?.drop();
  });

  it("without result storage, a large result written on machine A fails to load on machine B with one line naming it, where it looked and the fix", async () => {
    const run = await cli(["run", file, "-p", "n=50000", "--json"], { home: machineA });
    expect(run.code, run.stderr).toBe(0);
    const id = (JSON.parse(run.stdout) as FlowRunJson).id;
    expect(filesUnder(path.join(machineA, "results"))).toHaveLength(1);
    const onA = await cli(["runs", "result", id, "make", "--json"], { home: machineA });
    expect([onA.code, JSON.parse(onA.stdout)]).toEqual([0, "r".repeat(50_000)]);
    const elsewhere = await onB(["runs", "result", id, "make"]);
    expect(elsewhere.code).toBe(2);
    expect(errorLines(elsewhere)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: the result of task make-0 of run big-\\S+ cannot be read: result [0-9a-f]{12} is neither in the database nor in ${path.join(machineB, "results")} on ${os.hostname()}: results over 4 KB are written under the CELLFLOW_HOME of the machine that ran the task — .*cellflow config set result-storage shared$`,
        ),
      ),
    ]);
  });

  it("bad settings are refused with one line and exit 2, and leave the setting as it was", async () => {
    const json = await cli(["blocks", "create", "json", "settings", "--value", '{"retries":3}'], { home: machineA });
    expect(json.code, json.stderr).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [["config", "set", "result-storage", "nowhere"], /^error: result storage: there is no filesystem block named 'nowhere' — create one: cellflow blocks create filesystem nowhere/],
      [["config", "set", "result-storage", "settings"], /^error: result storage: 'settings' is a json block, not a filesystem block — create one: cellflow blocks create filesystem/],
      [["config", "set", "result-storage", "json/settings"], /^error: result storage must be a filesystem block, not json block 'settings' — /],
      [["config", "set", "colour", "blue"], /^error: unknown setting 'colour' — known settings: result-storage/],
      [["config", "unset", "result-storage"], /^error: setting 'result-storage' is not set — /],
    ];
    const relative = await cli(["blocks", "create", "filesystem", "relative", "--value", '{"path":"data/shared"}'], { home: machineA });
    expect(relative.code, relative.stderr).toBe(0);
    cases.push([["config", "set", "result-storage", "relative"], /^error: result storage: filesystem block 'relative' has the relative path 'data\/shared' — give it the shared folder's absolute path/]);
    const gone = await cli(["blocks", "create", "filesystem", "unmounted", "--value", JSON.stringify({ path: path.join(shared, "not-mounted") })], { home: machineA });
    expect(gone.code, gone.stderr).toBe(0);
    cases.push([["config", "set", "result-storage", "unmounted"], new RegExp(`^error: result storage 'unmounted': its folder ${path.join(shared, "not-mounted")} does not exist on ${os.hostname()} — mount the shared folder there`)]);
    for (const [args, expected] of cases) {
      const refused = await cli(args, { home: machineA });
      expect([args.join(" "), refused.code]).toEqual([args.join(" "), 2]);
      expect(errorLines(refused)).toEqual([expect.stringMatching(expected)]);
    }
    const listed = await cli(["config", "ls", "--json"], { home: machineA });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ key: "result-storage", value: null })]);
  });

  it("with result storage set once, a large result written on machine A is read on machine B (given the blocks' key) through the shared folder", async () => {
    const made = await cli(["blocks", "create", "filesystem", "shared", "--value", JSON.stringify({ path: shared })], { home: machineA });
    expect(made.code, made.stderr).toBe(0);
    const set = await cli(["config", "set", "result-storage", "shared"], { home: machineA });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`filesystem block 'shared' (${path.join(shared, RESULT_STORAGE_FOLDER)})`);

    const before = filesUnder(path.join(machineA, "results")).length;
    const run = await cli(["run", file, "--json"], { home: machineA });
    expect(run.code, run.stderr).toBe(0);
    const first = JSON.parse(run.stdout) as FlowRunJson;
    expect(first.result).toBe(200_000);
    const stored = filesUnder(path.join(shared, RESULT_STORAGE_FOLDER));
    expect(stored).toHaveLength(1);
    expect(filesUnder(path.join(machineA, "results"))).toHaveLength(before); // nothing new on machine A's own disk
    expect(filesUnder(machineB)).toEqual([]);

    // Machine B has no key for the store's blocks yet: one line that names the fix.
    const keyless = await onB(["runs", "result", first.id, "make"]);
    expect(keyless.code).toBe(2);
    expect(errorLines(keyless)).toEqual([expect.stringMatching(/secret\.key is missing, so the stored blocks cannot be decrypted — .*set CELLFLOW_SECRET_KEY to what `cellflow blocks key` prints on the machine that created the blocks/)]);

    const printed = await cli(["blocks", "key"], { home: machineA });
    expect(printed.code, printed.stderr).toBe(0);
    key = printed.stdout.trim();
    expect(Buffer.from(key, "base64")).toHaveLength(32);
    const read = await onB(["runs", "result", first.id, "make", "--json"], key);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toBe("r".repeat(200_000));
    // Machine B runs the flow: make comes back Cached from A's run, its value read from the shared folder.
    const again = await onB(["run", file, "--json"], key);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as FlowRunJson;
    expect(second.result).toBe(200_000);
    expect(second.taskRuns!.find((t) => t.name === "make")!.state.name).toBe("Cached");
    expect(fs.readFileSync(path.join(flows, "ran.count"), "utf8").split("\n").filter(Boolean)).toHaveLength(2); // the n=50000 run and the first here
    expect(filesUnder(machineB).filter((f) => f.includes(`${path.sep}results${path.sep}`))).toEqual([]);
  });

  it("a wrong CELLFLOW_SECRET_KEY is refused with one line, and no block is saved under it", async () => {
    const wrong = Buffer.alloc(32, 7).toString("base64");
    const shown = await onB(["blocks", "show", "filesystem/shared"], wrong);
    expect(shown.code).toBe(2);
    expect(errorLines(shown)).toEqual([expect.stringMatching(/could not be decrypted .* CELLFLOW_SECRET_KEY/)]);
    const saved = await onB(["blocks", "create", "json", "other", "--value", "{}"], wrong);
    expect(saved.code).toBe(2);
    expect(errorLines(saved)).toEqual([expect.stringMatching(/^error: block json\/other was not saved: the key in CELLFLOW_SECRET_KEY is not the one the stored blocks were sealed with — /)]);
    const malformed = await onB(["blocks", "show", "filesystem/shared"], "not-a-key");
    expect(errorLines(malformed)).toEqual([expect.stringMatching(/^error: CELLFLOW_SECRET_KEY is not a 32-byte key in base64/)]);
  });

  it("a machine where the shared folder is not mounted refuses to run before any user code, and cannot read the results", async () => {
    const folder = path.join(shared, RESULT_STORAGE_FOLDER);
    const aside = `${folder}.unmounted`;
    fs.renameSync(folder, aside);
    try {
      const ran = fs.readFileSync(path.join(flows, "ran.count"), "utf8");
      const refused = await onB(["run", file], key);
      expect(refused.code).toBe(2);
      expect(errorLines(refused)).toEqual([expect.stringMatching(new RegExp(`^error: result storage 'shared': ${folder} does not exist on ${os.hostname()} — mount the shared folder there`))]);
      expect(fs.readFileSync(path.join(flows, "ran.count"), "utf8")).toBe(ran);
      expect(fs.existsSync(folder)).toBe(false); // no local folder of the same name was made
      const runs = JSON.parse((await cli(["runs", "ls", "--json"], { home: machineA })).stdout) as FlowRunJson[];
      const unread = await onB(["runs", "result", runs[0].id, "make"], key);
      expect(unread.code).toBe(2);
      expect(errorLines(unread)).toEqual([expect.stringMatching(/^error: the result of task make-0 of run \S+ cannot be read: result storage 'shared': .* does not exist on /)]);
      const doctor = await onB(["doctor"], key);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toMatch(/result storage: NO \(result storage 'shared': .* does not exist/);
    } finally {
      fs.renameSync(aside, folder);
    }
  });

  it("runs rm deletes a run's result from the shared folder", async () => {
    const runs = JSON.parse((await cli(["runs", "ls", "--json"], { home: machineA })).stdout) as FlowRunJson[];
    const removed = await cli(["runs", "rm", ...runs.map((r) => r.id)], { home: machineA });
    expect(removed.code, removed.stderr).toBe(0);
    expect(filesUnder(path.join(shared, RESULT_STORAGE_FOLDER))).toEqual([]);
    expect(filesUnder(path.join(machineA, "results"))).toEqual([]);
  });
});

describe("a result that cannot be stored", () => {
  let database: TestDatabase | null = null;
  let shared: string;
  beforeEach(() => {
    shared = tempHome("cellflow-shared-");
  });
  afterEach(async () => {
    configureStore(null);
    delete process.env.CELLFLOW_DATABASE_URL;
    await database?.drop();
    database = null;
  });

  const value = "v".repeat(20_000);
  /** Takes the result's file name in the storage folder with a folder, so its write fails (as an unwritable disk would). */
  function blockResultFile(dir: string): void {
    fs.mkdirSync(resultPath(dir, serializeResult(value).ref), { recursive: true });
  }

  async function onPostgres(): Promise<string> {
    database = await freshDatabase("unstorable", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    freshStore();
    saveBlock(getEngine().store, "filesystem", "shared", { path: shared });
    getEngine().store.setResultStorage("shared");
    return path.join(shared, RESULT_STORAGE_FOLDER);
  }

  it("fails its task on PostgreSQL when the storage refuses the write, naming the result storage", async () => {
    const dir = await onPostgres();
    blockResultFile(dir);
    const run = await flow("f", async () => (await task("big", () => value)()).length).run();
    expect(run.state.name).toBe("Failed");
    const big = byKey(run.taskRuns, "big-0");
    expect(big.state.name).toBe("Failed");
    expect(big.state.message).toMatch(new RegExp(`the result of big-0 could not be stored: cannot write result [0-9a-f]{12} in result storage 'shared' \\(${dir}\\) on ${os.hostname()}: `));
    expect(flushed().getTaskRunRow(big.id)!.result_ref).toBeNull();
  });

  it("fails its task on PostgreSQL when the shared folder went away during the run", async () => {
    const dir = await onPostgres();
    const unmount = task("unmount", () => void fs.rmSync(dir, { recursive: true }));
    const run = await flow("f", async () => {
      await unmount();
      return (await task("big", () => value)()).length;
    }).run();
    expect(byKey(run.taskRuns, "unmount-0").state.name).toBe("Completed");
    expect(byKey(run.taskRuns, "big-0").state.message).toMatch(/could not be stored: result storage 'shared': .* does not exist on/);
    expect(run.state.name).toBe("Failed");
  });

  it("on PostgreSQL a flow whose own large return value cannot be stored ends Failed", async () => {
    const dir = await onPostgres();
    blockResultFile(dir);
    const run = await flow("f", async () => value).run();
    expect(run.state.name).toBe("Failed");
    expect(run.state.message).toMatch(/the result of flow run \S+ could not be stored: cannot write result/);
  });

  it("on SQLite (one machine) the task completes as before, and the log says the result is kept in memory only", async () => {
    const home = freshStore();
    blockResultFile(path.join(home, "results"));
    const run = await flow("f", async () => (await task("big", () => value)()).length).run();
    expect(run.state.name).toBe("Completed");
    const big = byKey(run.taskRuns, "big-0");
    const warning = flushed().getLogs(run.id).find((l) => l.taskRunId === big.id && l.level === "warning");
    expect(warning?.message).toMatch(/^result of big-0 is kept in memory only .*: it could not be written: /);
  });

  it("on SQLite a result storage can be set too: large results go there, are read back, and pruned with their run", async () => {
    freshStore();
    saveBlock(getEngine().store, "filesystem", "shared", { path: shared });
    getEngine().store.setResultStorage("filesystem/shared");
    const dir = path.join(shared, RESULT_STORAGE_FOLDER);
    const run = await flow("f", async () => task("big", () => value)()).run();
    const ref = flushed().getTaskRunRow(byKey(run.taskRuns, "big-0").id)!.result_ref!;
    expect(fs.existsSync(resultPath(dir, ref))).toBe(true);
    expect(flushed().loadResult(ref)).toBe(value);
    expect(flushed().deleteRuns([run.id]).results).toBe(1);
    expect(fs.existsSync(resultPath(dir, ref))).toBe(false);
  });
});

describe("distributed task runs: a task worker with its own CELLFLOW_HOME hands large results back through the result storage", { timeout: SLOW }, () => {
  let database: TestDatabase;
  const flowMachine = tempDir("flow-machine");
  const workerMachine = tempDir("worker-machine");
  const shared = tempDir("shared-dist");
  const flows = tempDir("dist-result-flows");
  const file = path.join(flows, "big.ts");
  let worker: ChildProcess | null = null;
  let output = "";

  beforeAll(async () => {
    database = await freshDatabase("dist_results", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    fs.writeFileSync(file, FLOW);
  }, SLOW);
  afterAll(async () => {
    if (worker?.pid) process.kill(worker.pid, "SIGKILL");
    delete process.env.CELLFLOW_DATABASE_URL;
    await database?.drop();
  });

  async function startWorker(secretKey: string): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: workerMachine, CELLFLOW_SECRET_KEY: secretKey, NO_COLOR: "1" };
    for (const name of ["VITEST", "VITEST_WORKER_ID", "VITEST_POOL_ID", "NODE_OPTIONS"]) delete env[name];
    worker = spawn(process.execPath, [CLI, "worker", "--tasks", "--poll-ms", "300"], { env, stdio: ["ignore", "pipe", "pipe"] });
    worker.stdout!.setEncoding("utf8").on("data", (c: string) => (output += c));
    worker.stderr!.setEncoding("utf8").on("data", (c: string) => (output += c));
    await until("the task worker to take task runs", () => (output.includes("taking task runs") ? true : undefined), 120_000, 200);
  }

  it("with result storage the flow process reads the worker's 200 KB result; without, the run fails with one line naming the fix", async () => {
    for (const args of [["blocks", "create", "filesystem", "shared", "--value", JSON.stringify({ path: shared })], ["config", "set", "result-storage", "shared"]]) {
      const r = await cli(args, { home: flowMachine });
      expect(r.code, r.stderr).toBe(0);
    }
    await startWorker((await cli(["blocks", "key"], { home: flowMachine })).stdout.trim());
    const shared1 = await cli(["run", file, "--distributed", "--json"], { home: flowMachine });
    expect(shared1.code, `${shared1.stderr}\n--- worker:\n${output}`).toBe(0);
    expect(JSON.parse(shared1.stdout)).toMatchObject({ state: { name: "Completed" }, result: 200_000 });
    const held = await database.query<{ task_name: string; worker_id: string | null }>("SELECT task_name, worker_id FROM task_runs ORDER BY task_name");
    expect(held.map((r) => [r.task_name, r.worker_id !== null])).toEqual([["make", true], ["size", true]]);
    expect(filesUnder(path.join(shared, RESULT_STORAGE_FOLDER))).toHaveLength(1);
    expect([...filesUnder(path.join(flowMachine, "results")), ...filesUnder(path.join(workerMachine, "results"))]).toEqual([]);

    const unset = await cli(["config", "unset", "result-storage"], { home: flowMachine });
    expect(unset.code, unset.stderr).toBe(0);
    // A running worker reads the setting again once the one it read is RESULT_STORAGE_RECHECK_MS old (its own
    // clock): after that long, its next result goes to its own disk whatever the load.
    await new Promise((resolve) => setTimeout(resolve, RESULT_STORAGE_RECHECK_MS + 200));
    const local = await cli(["run", file, "--distributed", "-p", "n=100000", "--json"], { home: flowMachine });
    expect(local.code).toBe(1);
    expect(filesUnder(path.join(workerMachine, "results"))).toHaveLength(1); // written on the worker's own disk
    const run = JSON.parse(local.stdout) as FlowRunJson;
    expect(run.state.name).toBe("Failed");
    expect(run.state.message).toMatch(
      new RegExp(`the result of make-0 \\(completed on a task worker\\) cannot be read here: result [0-9a-f]{12} is neither in the database nor in ${path.join(flowMachine, "results")} on ${os.hostname()}: .*cellflow config set result-storage shared`),
    );
  });
});
