// CLI start-up: `cellflow --version`, `runs ls`, `runs show` and a one-task `cellflow run` (its compiled flow file
// in the cache folder, and after an edit), each beside `node -e 0` in the same rounds: median wall ms, CPU ms (every
// thread of the process, not the processes it starts, e.g. esbuild's), peak RSS MB, and wall as a ratio to `node -e 0`.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CLI, measureCli } from "./cli-usage.js";
import { percentile } from "./poll.js";

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
}

/**
 * One process: a `cellflow` command under the usage hook (cli-usage.ts). `node -e 0` runs without the hook (which
 * would start the ES module loader it does not otherwise need): wall time only.
 */
function sample(args: string[], home: string): Sample {
  if (args[0] === "-e") {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, args, { stdio: "ignore" });
    return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: NaN, rssMb: NaN };
  }
  const usage = measureCli(args, { cwd: home, home: path.join(home, ".cellflow"), scratch: home });
  if (usage.status !== 0) throw new Error(`${args.join(" ")} exited ${usage.status}: ${usage.stderr}`);
  return usage;
}

const median = (values: number[]) => percentile(values, 50, 3);

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
    ["--version", () => ["--version"]],
    ["runs ls", () => ["runs", "ls"]],
    ["runs show", () => ["runs", "show", runId]],
    ["run, one task (flow compiled before)", () => ["run", flowFile]],
    [
      "run, one task, flow edited",
      () => {
        fs.writeFileSync(flowFile, flowSource(Math.floor(Math.random() * 1e9)));
        return ["run", flowFile];
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
