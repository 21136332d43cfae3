// Several processes on one store, and a process killed mid-run. The child scripts are bundled from the
// current sources with esbuild (dist/ may be stale or rebuilt by another command while tests run).

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { tempHome } from "./helpers.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
// Inside the repo's node_modules so the bundles resolve better-sqlite3 (native, not bundled) from it.
const outDir = path.join(repo, "node_modules", ".cache", "cellflow-engine-tests", String(process.pid));

const SCRIPTS: Record<string, string> = {
  // Runs `runs` flows of `tasks` tasks each; prints one JSON line with the outcome.
  writer: `
    import { flow, task } from ${JSON.stringify(path.join(repo, "src/index.ts"))};
    const [runs, tasks] = process.argv.slice(2).map(Number);
    const step = task("step", (i: number) => ({ i, text: "x".repeat(200) }));
    const f = flow("writer", async () => {
      const out = await step.map(Array.from({ length: tasks }, (_, i) => i)).result();
      return out.length;
    });
    const states: string[] = [];
    for (let r = 0; r < runs; r++) states.push((await f.run()).state.name);
    console.log(JSON.stringify({ states }));
  `,
  // Starts a flow whose tagged task never ends; prints the run id once the task is Running and stored.
  long: `
    import { flow, task, getRunContext } from ${JSON.stringify(path.join(repo, "src/index.ts"))};
    import { getEngine } from ${JSON.stringify(path.join(repo, "src/engine/engine.ts"))};
    const done = task("done", () => 1);
    const hang = task({ name: "hang", tags: ["db"] }, () => {
      getEngine().store.flush();
      console.log("RUNNING " + getRunContext().flowRun!.id);
      return new Promise(() => setInterval(() => {}, 1000));
    });
    await flow("long", async () => { await done(); return hang(); }).run();
  `,
};

const bundles: Record<string, string> = {};

beforeAll(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, source] of Object.entries(SCRIPTS)) {
    const entry = path.join(outDir, `${name}.ts`);
    fs.writeFileSync(entry, source);
    bundles[name] = path.join(outDir, `${name}.mjs`);
    await build({
      entryPoints: [entry],
      outfile: bundles[name],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: ["better-sqlite3"],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: "silent",
    });
  }
}, 60_000);

afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function start(script: string, args: string[], home: string): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [bundles[script], ...args], { env: { ...process.env, CELLFLOW_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe("one store, several processes", () => {
  it("three processes writing runs at once all succeed, with no 'database is locked'", async () => {
    const home = tempHome();
    const procs = [0, 1, 2].map(() => start("writer", ["6", "15"], home));
    const codes = await Promise.all(procs.map((p) => p.exit));
    for (const p of procs) {
      expect(p.stderr()).not.toMatch(/locked|SQLITE_BUSY/i);
      expect(JSON.parse(p.stdout().trim())).toEqual({ states: Array(6).fill("Completed") });
    }
    expect(codes).toEqual([0, 0, 0]);
    const store = Store.open(home);
    try {
      const runs = store.listFlowRuns({ limit: 100 });
      expect(runs).toHaveLength(18);
      expect(runs.every((r) => r.state.name === "Completed")).toBe(true);
      for (const r of runs) expect(store.getTaskRuns(r.id).map((t) => t.state.name)).toEqual(Array(15).fill("Completed"));
    } finally {
      store.close();
    }
  });

  it("a run whose process was killed is marked Crashed by the next Store.open(), and its tag slots are freed", async () => {
    const home = tempHome();
    const setup = Store.open(home);
    setup.db.prepare("INSERT INTO concurrency_limits (tag, slots, created_at) VALUES ('db', 1, 0)").run();
    setup.close();

    const p = start("long", [], home);
    const id = await new Promise<string>((resolve, reject) => {
      const check = setInterval(() => {
        const m = /RUNNING (\S+)/.exec(p.stdout());
        if (m) {
          clearInterval(check);
          resolve(m[1]);
        }
      }, 10);
      p.exit.then(() => reject(new Error(`child exited early: ${p.stderr()}`)));
    });
    // While the owner lives, opening the store must not reap its run.
    const peek = Store.open(home);
    expect(peek.findFlowRun(id).state.name).toBe("Running");
    peek.close();

    p.child.kill("SIGKILL");
    await p.exit;

    const store = Store.open(home);
    try {
      const run = store.findFlowRun(id);
      expect(run.state.name).toBe("Crashed");
      expect(run.state.message).toMatch(/^the process that ran it \(.+:\d+\) is gone$/);
      expect(run.endTime).not.toBeNull();
      expect(store.getHistory("flow", id).map((s) => s.name)).toEqual(["Pending", "Running", "Crashed"]);
      const tasks = store.getTaskRuns(id).map((t) => [t.dynamicKey, t.state.name]);
      expect(tasks).toEqual([
        ["done-0", "Completed"],
        ["hang-0", "Crashed"],
      ]);
      expect(store.db.prepare("SELECT count(*) AS n FROM concurrency_slots").get()).toEqual({ n: 0 });
      // Reaping twice changes nothing.
      expect(store.reapCrashed()).toBe(0);
    } finally {
      store.close();
    }
  });
});
