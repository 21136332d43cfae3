// The CLI loads only what a command uses: the module list of a child `cellflow` run through a trace preload.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, ROOT, cli, requireBuiltCli, tempDir } from "../acceptance/helpers.js";
import { freshDatabase } from "../support/postgres.js";

const TRACE = path.join(ROOT, "test", "cli", "fixtures", "trace-modules.mjs");
const HEAVY = ["typescript", "esbuild", "ink", "react", "zeromq", "pg", "hono", "@hono/node-server", "graphile-worker", "playwright-core", "chokidar", "zod"];

/**
 * The modules a `cellflow <args>` process loaded, as file URLs. Asynchronous: a test file blocked in spawnSync for
 * a minute under load misses vitest's own RPC deadline ("Timeout calling onTaskUpdate").
 */
async function modulesLoaded(args: string[], home: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const trace = path.join(home, `trace-${Math.random().toString(36).slice(2)}.txt`);
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home, CELLFLOW_TEST_MODULE_TRACE: trace, NO_COLOR: "1", ...extraEnv };
  delete env.NODE_OPTIONS;
  await promisify(execFile)(process.execPath, ["--import", TRACE, CLI, ...args], { cwd: ROOT, env, encoding: "utf8" });
  return fs.readFileSync(trace, "utf8").split("\n").filter(Boolean);
}

/** The npm packages a `cellflow <args>` process loaded, by name. */
async function packagesLoaded(args: string[], home: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const names = new Set<string>();
  for (const url of await modulesLoaded(args, home, extraEnv)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

/** The CLI command modules (dist/src/cli/commands/*.js) a `cellflow <args>` process loaded, by base name. */
async function commandModulesLoaded(args: string[], home: string): Promise<string[]> {
  const names = (await modulesLoaded(args, home)).map((url) => /\/dist\/src\/cli\/commands\/([^/]+)\.js$/.exec(url)?.[1]);
  return [...new Set(names.filter((name) => name !== undefined))].sort();
}

describe("lazy command loading", () => {
  let home: string;
  let runId: string;
  beforeAll(async () => {
    requireBuiltCli();
    home = tempDir("lazy");
    const flow = path.join(home, "one.ts");
    fs.writeFileSync(flow, `import { flow, task } from "cellflow";\nconst one = task("one", () => 1);\nexport const f = flow("f", async () => one());\n`);
    const run = await cli(["run", flow, "--json"], { home });
    expect(run.code, run.stderr).toBe(0);
    runId = (JSON.parse(run.stdout) as { id: string }).id;
    const deployed = await cli(["deploy", flow, "--name", "one"], { home });
    expect(deployed.code, deployed.stderr).toBe(0);
  });

  it("--version loads commander and nothing else", async () => {
    expect(await packagesLoaded(["--version"], home)).toEqual(["commander"]);
  });

  it("a command line loads only the module of the command it names; --version none, help all of them", async () => {
    expect(await commandModulesLoaded(["--version"], home)).toEqual([]);
    expect(await commandModulesLoaded(["runs", "ls"], home)).toEqual(["runs", "runs-result", "runs-retention"]);
    expect(await commandModulesLoaded(["deployments", "ls"], home)).toEqual(["deployments"]);
    expect((await commandModulesLoaded(["--help"], home)).length).toBeGreaterThan(10);
  });

  it("runs ls and runs show load the store but no compiler, bundler, UI, kernel or server", async () => {
    for (const args of [["runs", "ls"], ["runs", "show", runId.slice(0, 8)]]) {
      const loaded = await packagesLoaded(args, home);
      expect(loaded).toContain("better-sqlite3");
      expect(loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
    }
  });

  it("deployments ls and inspect load neither the compiler nor the flow; deploy and deployments run of a .ts flow load no compiler", async () => {
    for (const args of [["deployments", "ls"], ["deployments", "inspect", "one"]]) {
      expect((await packagesLoaded(args, home)).filter((name) => HEAVY.includes(name))).toEqual([]);
    }
    for (const args of [["deploy", path.join(home, "one.ts"), "--name", "again"], ["deployments", "run", "one"]]) {
      // Without the compiled-file cache, so that the flow is compiled here and esbuild is seen.
      const loaded = await packagesLoaded(args, home, { CELLFLOW_CODE_CACHE: "off" });
      expect(loaded).toContain("esbuild");
      expect(loaded).not.toContain("typescript");
    }
  });

  it("the trace sees the compiler where a command does use it (the check can fail): running a notebook, not a .ts flow", async () => {
    const notebook = path.join(home, "one.ipynb");
    const cell = { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: ["const x = 1;\n"] };
    fs.writeFileSync(notebook, JSON.stringify({ cells: [cell], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    expect(await packagesLoaded(["run", notebook], home)).toContain("typescript");
    expect(await packagesLoaded(["run", path.join(home, "one.ts")], home)).not.toContain("typescript");
  });

  it("a .ts flow run again unchanged is not compiled again: esbuild is not loaded (its output is in the cache folder)", async () => {
    expect(await packagesLoaded(["run", path.join(home, "one.ts")], home, { CELLFLOW_CODE_CACHE: "off" })).toContain("esbuild");
    await packagesLoaded(["run", path.join(home, "one.ts")], home);
    expect(await packagesLoaded(["run", path.join(home, "one.ts")], home)).not.toContain("esbuild");
  });

  it("zod (~95 modules) loads only where a block value is validated: not for a flow run, but for blocks create", async () => {
    expect(await packagesLoaded(["run", path.join(home, "one.ts")], home)).not.toContain("zod");
    expect(await packagesLoaded(["blocks", "create", "json", "lazy-zod", "--value", '{"a":1}'], home)).toContain("zod");
  });

  it("graphile-worker loads only for a worker on PostgreSQL: not for a SQLite worker, nor for other commands on PostgreSQL", async () => {
    const sqliteWorker = await packagesLoaded(["worker", "--once"], home);
    expect(sqliteWorker.filter((name) => ["pg", "graphile-worker"].includes(name))).toEqual([]);
    const database = await freshDatabase("lazy");
    try {
      const pgHome = tempDir("lazy-pg");
      const onPg = { CELLFLOW_DATABASE_URL: database.url };
      for (const args of [["runs", "ls"], ["deployments", "ls"]]) expect(await packagesLoaded(args, pgHome, onPg)).not.toContain("graphile-worker");
    } finally {
      await database.drop();
    }
  });
});
