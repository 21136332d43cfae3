// CLI start-up: `cellflow --version`, `runs ls`, `runs show` and a one-task `cellflow run` (its compiled flow file
// in the cache folder, and after an edit), each beside `node -e 0` in the same rounds: median wall ms, CPU ms (every
// thread of the process, not the processes it starts, e.g. esbuild's), peak RSS MB, and wall as a ratio to `node -e 0`.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = path.join(ROOT, "dist", "src", "cli", "main.js");

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
}

/**
 * One process: `node --import <hook> ...args`; the hook reports its CPU and peak RSS at exit. `node -e 0` runs
 * without the hook (which would start the ES module loader it does not otherwise need): wall time only.
 */
function sample(args: string[], home: string): Sample {
  if (args[0] === "-e") {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, args, { stdio: "ignore" });
    return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: NaN, rssMb: NaN };
  }
  const report = path.join(home, `usage-${process.hrtime.bigint()}.json`);
  const hook = path.join(home, "usage-hook.mjs");
  if (!fs.existsSync(hook)) {
    fs.writeFileSync(hook, `import fs from "node:fs";\nprocess.on("exit", () => { const u = process.resourceUsage(); fs.writeFileSync(process.env.CELLFLOW_BENCH_USAGE, JSON.stringify({ cpu: u.userCPUTime + u.systemCPUTime, rss: u.maxRSS })); });\n`);
  }
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--import", hook, ...args], { cwd: home, env: { ...process.env, CELLFLOW_HOME: path.join(home, ".cellflow"), CELLFLOW_BENCH_USAGE: report, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${String(r.stderr)}`);
  const usage = JSON.parse(fs.readFileSync(report, "utf8")) as { cpu: number; rss: number };
  return { wallMs, cpuMs: usage.cpu / 1000, rssMb: usage.rss / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchCliStart(rounds = Number(process.env.CELLFLOW_BENCH_ROUNDS) || 7): Promise<Record<string, number>> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-start-"));
  const flowFile = path.join(home, "one.ts");
  const flowSource = (n: number) => `import { flow, task } from "cellflow";\nconst one = task("one", () => ${n});\nexport const f = flow("f", async () => one());\n`;
  fs.writeFileSync(flowFile, flowSource(0));
  spawnSync(process.execPath, [CLI, "run", flowFile], { cwd: home, env: { ...process.env, CELLFLOW_HOME: path.join(home, ".cellflow") } });
  const list = spawnSync(process.execPath, [CLI, "runs", "ls", "--json"], { cwd: home, env: { ...process.env, CELLFLOW_HOME: path.join(home, ".cellflow") }, encoding: "utf8" });
  const runId = (JSON.parse(list.stdout) as Array<{ id: string }>)[0].id.slice(0, 8);

  const commands: Array<[string, () => string[]]> = [
    ["node -e 0", () => ["-e", "0"]],
    ["--version", () => [CLI, "--version"]],
    ["runs ls", () => [CLI, "runs", "ls"]],
    ["runs show", () => [CLI, "runs", "show", runId]],
    ["run, one task (flow compiled before)", () => [CLI, "run", flowFile]],
    [
      "run, one task, flow edited",
      () => {
        fs.writeFileSync(flowFile, flowSource(Math.floor(Math.random() * 1e9)));
        return [CLI, "run", flowFile];
      },
    ],
  ];
  const samples = new Map<string, Sample[]>(commands.map(([name]) => [name, []]));
  // Rounds interleave the commands, so a change in the machine's load touches every command alike.
  for (let round = 0; round < rounds; round++) {
    for (const [name, args] of commands) samples.get(name)!.push(sample(args(), home));
  }
  fs.rmSync(home, { recursive: true, force: true });

  const baseline = median(samples.get("node -e 0")!.map((s) => s.wallMs));
  const numbers: Record<string, number> = {};
  for (const [name, list] of samples) {
    const wall = median(list.map((s) => s.wallMs));
    numbers[`${name}: wall ms (median of ${rounds})`] = +wall.toFixed(0);
    if (name === "node -e 0") continue;
    numbers[`${name}: wall / node -e 0`] = +(wall / baseline).toFixed(2);
    numbers[`${name}: CPU ms`] = +median(list.map((s) => s.cpuMs)).toFixed(0);
    numbers[`${name}: peak RSS MB`] = +median(list.map((s) => s.rssMb)).toFixed(0);
  }
  return numbers;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [k, v] of Object.entries(await benchCliStart())) process.stdout.write(`${k}: ${v}\n`);
}
