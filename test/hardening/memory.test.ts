// `runs show` streams from the store: its peak memory barely grows with the run's size (20,000 task runs
// against one), in text and --json. (bench/cli-memory.ts prints the 100,000-task figures for `run` too.)

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, requireBuiltCli, ROOT, SLOW, tempDir } from "../acceptance/helpers.js";

requireBuiltCli();

/** A store holding one run of `n` tasks, written through the built library; returns the run's id. */
function storeWithRun(home: string, n: number): string {
  const lib = path.join(ROOT, "dist", "src", "index.js");
  const engine = path.join(ROOT, "dist", "src", "engine", "engine.js");
  const script = `import { flow, task, configureStore } from ${JSON.stringify(lib)};
import { getEngine } from ${JSON.stringify(engine)};
configureStore(${JSON.stringify(home)});
const t = task("t", (x) => x + 1);
const f = flow("sized", async () => { let x = 0; for (let i = 0; i < ${n}; i++) x = await t(x); return x; });
await f({});
process.stdout.write(getEngine().store.listFlowRuns({ limit: 1 })[0].id);
process.exit(0);`;
  return execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
}

/** Peak RSS in MB of one CLI command, its output sent to /dev/null. */
function peakRssMb(args: string[], home: string): number {
  const report = path.join(home, `rss-${Math.random().toString(36).slice(2)}.txt`);
  const hook = path.join(home, "rss-hook.mjs");
  fs.writeFileSync(hook, `import fs from "node:fs";\nprocess.on("exit", () => fs.writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ["--import", hook, CLI, ...args], { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return Number(fs.readFileSync(report, "utf8")) / 1024;
}

describe("runs show memory", { timeout: SLOW }, () => {
  it("grows by less than 60 MB (3 KB per task run) for 20,000 task runs, text and --json, where the whole graph took ~9 KB each", () => {
    const small = tempDir("mem-small");
    const big = tempDir("mem-big");
    const smallId = storeWithRun(small, 1);
    const bigId = storeWithRun(big, 20_000);
    for (const json of [[], ["--json"]]) {
      const base = peakRssMb(["runs", "show", smallId, ...json], small);
      const grown = peakRssMb(["runs", "show", bigId, ...json], big);
      expect(grown - base, `runs show ${json.join(" ")}: ${base.toFixed(0)} MB → ${grown.toFixed(0)} MB`).toBeLessThan(60);
    }
  });
});
