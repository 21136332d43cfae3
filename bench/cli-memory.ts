// CLI memory: peak RSS of `cellflow run` on a 100,000-task flow, and of `runs show` (text and --json) on that run.
// Each command runs in its own process; its peak RSS is read from process.resourceUsage() at exit.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CLI, measureCli } from "./cli-usage.js";

const FLOW = (n: number) => `import { flow, task } from "cellflow";
const inc = task("inc", (x: number) => x + 1);
export const many = flow("many", async () => {
  let x = 0;
  for (let i = 0; i < ${n}; i++) x = await inc(x);
  return x;
});
`;

/** Peak RSS in MB of one CLI command (cli-usage.ts). */
function peakRss(args: string[], home: string, cwd: string): { mb: number; code: number | null } {
  const usage = measureCli(args, { cwd, home, scratch: home });
  return { mb: +usage.rssMb.toFixed(0), code: usage.status };
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
