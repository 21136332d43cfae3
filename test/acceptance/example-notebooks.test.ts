// The example notebooks under `cellflow run`, as a new user runs them: copied into a fresh folder outside the
// repository (no node_modules there: cells resolve the kernel's own dependencies), run twice, after deleting their
// outputs and after changing or adding input files — each time checked on disk. Notebook runs are named after the
// notebook, run in its folder, and their cache reasons name a run that `runs show` accepts.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../support/postgres.js";
import { cli, cliJson, copyNotebooks, requireBuiltCli, SLOW, taskNamed, tempDir, type FlowRunJson, type TaskRunJson } from "./helpers.js";

requireBuiltCli();

function rowsIn(db: string, table: string): number {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (handle.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    handle.close();
  }
}

function hits(n: number): string {
  const hit = (i: number) => ({ _source: { date_received: `2024-10-0${(i % 9) + 1}`, state: "CA", product: "Mortgage", company: `Bank ${i}`, complaint_what_happened: `complaint ${i}` } });
  return JSON.stringify({ hits: { hits: Array.from({ length: n }, (_, i) => hit(i)) } });
}

/** A first run of an example notebook, offline: named after it, at least `minTasks` task runs, every one completed. */
function expectCompleted(run: FlowRunJson, notebook: string, minTasks: number): void {
  expect(run.state.name).toBe("Completed");
  expect(run.flowName).toBe(notebook);
  expect(run.taskRuns!.length).toBeGreaterThanOrEqual(minTasks);
  expect(run.taskRuns!.filter((t) => t.state.type !== "COMPLETED")).toEqual([]);
}

function states(run: FlowRunJson): string[] {
  return run.taskRuns!.map((t) => `${t.name} ${t.state.name}`);
}

/** Every file under `dir`, relative, with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

// Each test copies the notebooks to a folder of its own, with its own store: they run concurrently.
describe.concurrent("example notebooks are correct however often they run", { timeout: SLOW * 2 }, () => {
  it("etl-complaints: run twice, after rm -rf out, after its input changed — in a project that installed nothing", async () => {
    const dir = copyNotebooks();
    const home = tempDir("trust-etl-home");
    const elsewhere = tempDir("trust-etl-cwd");
    const nb = path.join(dir, "etl-complaints.ipynb");
    const db = path.join(dir, "out", "complaints.db");
    // Run from another folder: relative paths still resolve from the notebook's folder, as in Jupyter.
    const first = await cliJson<FlowRunJson>(["run", nb, "-p", "size=7"], { home, cwd: elsewhere });
    expectCompleted(first, "etl-complaints", 4);
    expect(first.name).toMatch(/^etl-complaints-[a-z]+-[a-z]+$/);
    // The parameters cell receives -p overrides (papermill's convention).
    expect(first.parameters).toEqual({ size: 7 });
    expect((taskNamed(first, "get-complaints") as TaskRunJson & { inputs: Array<{ name: string }> }).inputs.map((i) => i.name)).toEqual(["from", "count"]);
    expect(rowsIn(db, "complaints")).toBe(7);
    // The notebook's folder is the working directory, as in Jupyter: outputs land beside it.
    expect(fs.existsSync(path.join(dir, "out"))).toBe(true);
    expect(fs.existsSync(path.join(elsewhere, "out"))).toBe(false);
    const second = await cliJson<FlowRunJson>(["run", nb, "-p", "size=5"], { home, cwd: elsewhere });
    expect(states(second)).toEqual(["get-complaints Completed", "parse-complaints Completed", "write-csv Completed", "store-complaints Completed"]);
    expect(rowsIn(db, "complaints")).toBe(5);
    fs.rmSync(path.join(dir, "out"), { recursive: true });
    const third = await cliJson<FlowRunJson>(["run", nb, "-p", "size=5"], { home, cwd: dir });
    expect(third.state.name).toBe("Completed");
    expect(rowsIn(db, "complaints")).toBe(5);
    expect(fs.readFileSync(path.join(dir, "out", "complaints.csv"), "utf8")).toMatch(/^date_received,state,product,company,complaint_what_happened\n/);
    fs.writeFileSync(path.join(dir, "data", "complaints.json"), hits(3));
    const fourth = await cliJson<FlowRunJson>(["run", nb], { home, cwd: dir });
    expect(fourth.state.name).toBe("Completed");
    expect(rowsIn(db, "complaints")).toBe(3);
  });

  it("daily-backup: new source files are seen, deleted backups restored, unchanged files Cached", async () => {
    const dir = copyNotebooks();
    const home = tempDir("trust-backup-home");
    const nb = path.join(dir, "daily-backup.ipynb");
    const source = path.join(dir, "data", "backup-source");
    const backup = path.join(dir, "out", "backups", "latest");
    const run = () => cliJson<FlowRunJson>(["run", nb], { home, cwd: dir });
    expectCompleted(await run(), "daily-backup", 5);
    expect(tree(backup)).toEqual(tree(source));
    await run();
    expect(tree(backup)).toEqual(tree(source));
    const steady = await run();
    expect(steady.taskRuns!.filter((t) => t.name === "copy-file").every((t) => t.state.name === "Cached")).toBe(true);
    fs.rmSync(path.join(backup, "notes", "todo.txt"));
    const restored = await run();
    expect(tree(backup)).toEqual(tree(source));
    expect(restored.taskRuns!.filter((t) => t.name === "copy-file" && t.state.name === "Completed")).toHaveLength(1);
    fs.writeFileSync(path.join(source, "notes", "added-later.md"), "# a new file\n");
    const added = await run();
    expect(taskNamed(added, "list-files").state.name).toBe("Completed");
    expect(tree(backup)).toEqual(tree(source));
    expect(fs.readFileSync(path.join(backup, "notes", "added-later.md"), "utf8")).toBe("# a new file\n");
    fs.rmSync(path.join(dir, "out"), { recursive: true });
    await run();
    expect(tree(backup)).toEqual(tree(source));
  });

  it("taxi-ingest: outputs come back after rm -rf out; a replaced input file is read again; --refresh-cache; cache clear", async () => {
    const dir = copyNotebooks();
    const home = tempDir("trust-taxi-home");
    const nb = path.join(dir, "taxi-ingest.ipynb");
    const db = path.join(dir, "out", "taxi.db");
    const csv = path.join(dir, "data", "taxi", "green_tripdata_2024-02.csv");
    const passengers = fs.readFileSync(csv, "utf8").split("\n")[0].split(",").indexOf("passenger_count");
    expect(passengers).toBeGreaterThan(-1);
    const trips = () => fs.readFileSync(csv, "utf8").trim().split("\n").slice(1).filter((l) => Number(l.split(",")[passengers]) > 0).length;
    const run = (...extra: string[]) => cliJson<FlowRunJson>(["run", nb, "-p", "month=2", "-p", "color=green", ...extra], { home, cwd: dir });
    const first = await run();
    expectCompleted(first, "taxi-ingest", 3);
    expect(rowsIn(db, "green_trips_2024_02")).toBe(trips());
    fs.rmSync(path.join(dir, "out"), { recursive: true });
    const second = await run();
    expect(rowsIn(db, "green_trips_2024_02")).toBe(trips());
    const read = taskNamed(second, "read-trips");
    expect(read.state.name).toBe("Cached");
    expect(read.cacheReason).toBe(`cached: from run ${first.name} (${first.id.slice(0, 8)})`);
    const shown = await cliJson<FlowRunJson>(["runs", "show", first.id.slice(0, 8)], { home });
    expect(shown.id).toBe(first.id);
    const lines = fs.readFileSync(csv, "utf8").trim().split("\n");
    fs.writeFileSync(csv, lines.slice(0, 4).join("\n") + "\n");
    const third = await run();
    expect(taskNamed(third, "read-trips").state.name).toBe("Completed");
    expect(rowsIn(db, "green_trips_2024_02")).toBe(trips());
    const refreshed = await run("--refresh-cache");
    expect(states(refreshed)).toEqual(["read-trips Completed", "drop-empty-trips Completed", "load-trips Completed"]);
    expect(taskNamed(refreshed, "read-trips").cacheReason).toBe("executed: refresh requested");
    const cleared = await cli(["cache", "clear", "--task", "read-trips"], { home, cwd: dir });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(/^cleared [1-9]\d* cached results? of task read-trips$/m);
    const after = await run();
    expect(taskNamed(after, "read-trips").state.name).toBe("Completed");
  });
});

describe("taxi-ingest into PostgreSQL", { timeout: SLOW }, () => {
  it("given databaseUrl, the notebook loads the month's trips into a table on the local PostgreSQL server", async () => {
    const pg = await freshDatabase("taxi");
    try {
      const dir = copyNotebooks();
      const home = tempDir("taxi-pg-home");
      const csv = path.join(dir, "data", "taxi", "green_tripdata_2024-02.csv");
      const [header, ...lines] = fs.readFileSync(csv, "utf8").trim().split("\n");
      const passengers = header.split(",").indexOf("passenger_count");
      const kept = lines.filter((l) => Number(l.split(",")[passengers]) > 0).length;
      const run = await cliJson<FlowRunJson>(["run", path.join(dir, "taxi-ingest.ipynb"), "-p", "month=2", "-p", "color=green", "-p", `databaseUrl=${pg.url}`], { home, cwd: dir });
      expect(run.state.name).toBe("Completed");
      expect((await pg.query<{ n: number }>("select count(*)::int as n from green_trips_2024_02"))[0].n).toBe(kept);
      expect((await pg.query<{ n: number }>("select count(*)::int as n from green_trips_2024_02 where passenger_count = 0"))[0].n).toBe(0);
      // Nothing went to the SQLite default.
      expect(fs.existsSync(path.join(dir, "out", "taxi.db"))).toBe(false);
    } finally {
      await pg.drop();
    }
  });
});

describe.concurrent("error locations in notebook runs", { timeout: SLOW }, () => {
  function notebook(dir: string, name: string, sources: string[]): string {
    const file = path.join(dir, name);
    const cells = sources.map((source, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, outputs: [], execution_count: null, source }));
    fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "cellflow", display_name: "TS", language: "typescript" } }, cells }));
    return file;
  }

  it("a failed task's stored stack points at its cell line and column, engine frames hidden; the summary names the failing line", async () => {
    const dir = tempDir("trust-where");
    const home = tempDir("trust-where-home");
    const file = notebook(dir, "where.ipynb", [
      'import { task } from "cellflow";',
      '// the task\nconst boom = task("boom", (n: number) => {\n  const y = n + 1;\n  if (y > 0) throw new Error("exploded " + y);\n  return y;\n});',
      "const a = 1;\nconst r = await boom(a);\nr",
    ]);
    const r = await cli(["run", file, "--json"], { home, cwd: dir });
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as FlowRunJson;
    expect(run.state.message).toBe('cell 3: exploded 2 (thrown at cell 2, line 4, col 20: `if (y > 0) throw new Error("exploded " + y);`)');
    const logs = await cli(["runs", "logs", run.id.slice(0, 8), "--task", "boom"], { home, cwd: dir });
    expect(logs.stdout).toContain("boom-0 failed: Error: exploded 2\n    at cell[2]:4:20");
    expect(logs.stdout).not.toMatch(/dist\/src|node:internal|task-run\.js/);
  });

  it("a failed import blames its own line", async () => {
    const dir = tempDir("trust-import");
    const home = tempDir("trust-import-home");
    const file = notebook(dir, "imports.ipynb", ['// first line\nconst x = 1;\nimport nothing from "no-such-package-here";\nx']);
    const r = await cli(["run", file, "--json"], { home, cwd: dir });
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as FlowRunJson;
    expect(run.state.message).toMatch(/^cell 1 \(`import nothing from "no-such-package-here";`\), line 3, col 1: CellflowError: cannot load no-such-package-here/);
  });
});
