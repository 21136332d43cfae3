// One `cellflow` command in its own process, measured: wall time, CPU (every thread of the process, not the processes
// it starts) and peak RSS, read from process.resourceUsage() at its exit by a preloaded hook. Its output goes to
// /dev/null, as a user redirecting it would send it.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = path.join(ROOT, "dist", "src", "cli", "main.js");

export interface CliUsage {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  status: number | null;
  stderr: string;
}

/** `node --import <hook> <cli> ...args` in `cwd` with CELLFLOW_HOME=`home`; `scratch` holds the hook and its report. */
export function measureCli(args: string[], options: { cwd: string; home: string; scratch: string }): CliUsage {
  const report = path.join(options.scratch, `usage-${process.hrtime.bigint()}.json`);
  const hook = path.join(options.scratch, "usage-hook.mjs");
  if (!fs.existsSync(hook)) {
    fs.writeFileSync(
      hook,
      `import fs from "node:fs";\nprocess.on("exit", () => { const u = process.resourceUsage(); fs.writeFileSync(process.env.CELLFLOW_BENCH_USAGE, JSON.stringify({ cpu: u.userCPUTime + u.systemCPUTime, rss: u.maxRSS })); });\n`,
    );
  }
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--import", hook, CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, CELLFLOW_HOME: options.home, CELLFLOW_BENCH_USAGE: report, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = JSON.parse(fs.readFileSync(report, "utf8")) as { cpu: number; rss: number };
  fs.rmSync(report);
  return { wallMs, cpuMs: usage.cpu / 1000, rssMb: usage.rss / 1024, status: r.status, stderr: String(r.stderr) };
}
