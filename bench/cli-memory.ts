// CLI memory: peak RSS of `cellflow run` on a 100,000-task flow, and of `runs show` (text and --json) on that run.
// Each command runs in its own process; its peak RSS is read from process.resourceUsage() at exit.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = path.join(ROOT, "dist", "src", "cli", "main.js");

const FLOW = (n: number) => `import { flow, task } from "cellflow";
const inc = task("inc", (x: number) => x + 1);
export const many = flow("many", async () => {
  let x = 0;
  for (let i = 0; i < ${n}; i++) x = await inc(x);
  return x;
});
`;

/** Peak RSS in MB of one CLI command; its output goes to /dev/null (a file, as a user redirecting it would). */
function peakRss(args: string[], home: string, cwd: string): { mb: number; code: number | null } {
  const report = path.join(home, `rss-${process.hrtime.bigint()}.txt`);
  const hook = path.join(home, "peak-rss-hook.mjs");
  fs.writeFileSync(hook, `import fs from "node:fs";\nprocess.on("exit", () => fs.writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`);
  const out = fs.openSync("/dev/null", "w");
  const r = spawnSync(process.execPath, ["--import", hook, CLI, ...args], { cwd, env: { ...process.env, CELLFLOW_HOME: home, NO_COLOR: "1" }, stdio: ["ignore", out, "pipe"] });
  fs.closeSync(out);
  const kb = Number(fs.readFileSync(report, "utf8"));
  return { mb: +(kb / 1024).toFixed(0), code: r.status };
}

export async function benchCliMemory(n = Number(process.env.CELLFLOW_BENCH_TASKS) || 100_000): Promise<Record<string, number>> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-mem-"));
  const file = path.join(home, "many.ts");
  fs.writeFileSync(file, FLOW(n));
  const run = peakRss(["run", file], home, home);
  const list = spawnSync(process.execPath, [CLI, "runs", "ls", "--json"], { env: { ...process.env, CELLFLOW_HOME: home }, encoding: "utf8" });
  const id = (JSON.parse(list.stdout) as Array<{ id: string }>)[0].id;
  const show = peakRss(["runs", "show", id], home, home);
  const showJson = peakRss(["runs", "show", id, "--json"], home, home);
  fs.rmSync(home, { recursive: true, force: true });
  return { tasks: n, runExit: run.code ?? -1, runPeakRssMB: run.mb, runsShowPeakRssMB: show.mb, runsShowJsonPeakRssMB: showJson.mb };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [k, v] of Object.entries(await benchCliMemory())) process.stdout.write(`${k}: ${v}\n`);
}
