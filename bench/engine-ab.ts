// Same-run A/B of the engine's cost per trivial task against another build: CPU (user + system, process.cpuUsage)
// and wall µs per task, awaited and submitted, every state persisted to a fresh SQLite store. Rounds alternate the
// builds and rotate their order, each run a child process; medians and minimums, as a shared machine needs.
//
//   npm run build && node dist/bench/engine-ab.js /path/to/other/dist [rounds=8] [tasks=20000]
//
// The other build needs its node_modules next to its dist (a git worktree has them).

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { useScratchTmpdir } from "./scratch.js";

const HERE = fileURLToPath(import.meta.url);
const MODES = ["awaited", "submitted"] as const;
const MEASURES = ["cpu", "wall", "user", "sys"] as const;
type Mode = (typeof MODES)[number];
type Sample = Record<(typeof MEASURES)[number], number>;

/** Child: one flow of `n` trivial tasks, run once to warm up, then `reps` times measured (its final flush included). */
async function child(dist: string, mode: Mode, n: number, reps: number): Promise<void> {
  const load = (file: string) => import(pathToFileURL(path.join(dist, file)).href);
  const { flow, task } = await load("src/index.js");
  const { configureStore, getEngine } = await load("src/engine/engine.js");
  configureStore(fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-ab-")));
  const inc = task("inc", (x: number) => x + 1);
  const run =
    mode === "awaited"
      ? flow("ab-awaited", async () => {
          let x = 0;
          for (let i = 0; i < n; i++) x = await inc(x);
          return x;
        })
      : flow("ab-submitted", async () => {
          const futures = [];
          for (let i = 0; i < n; i++) futures.push(inc.submit(i));
          let sum = 0;
          for (const f of futures) sum += await f.result();
          return sum;
        });
  await run({});
  getEngine().store.flush();
  const samples: Sample[] = [];
  for (let r = 0; r < reps; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await run({});
    getEngine().store.flush();
    const wall = Number(process.hrtime.bigint() - t0) / 1e3;
    const cpu = process.cpuUsage(cpu0);
    samples.push({ cpu: (cpu.user + cpu.system) / n, wall: wall / n, user: cpu.user / n, sys: cpu.system / n });
  }
  process.stdout.write(JSON.stringify(samples));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function main(other: string, rounds: number, n: number): void {
  const builds: Array<[string, string]> = [
    ["other", path.resolve(other)],
    ["this", path.resolve(path.dirname(HERE), "..")],
  ];
  const samples = new Map<string, Sample[]>();
  const loadBefore = os.loadavg();
  for (let round = 0; round < rounds; round++) {
    for (const mode of MODES) {
      for (let k = 0; k < builds.length; k++) {
        const [name, dist] = builds[(k + round) % builds.length];
        const out = execFileSync(process.execPath, [HERE, "--child", dist, mode, String(n), "3"], { encoding: "utf8" });
        const key = `${name} ${mode}`;
        samples.set(key, [...(samples.get(key) ?? []), ...(JSON.parse(out) as Sample[])]);
      }
    }
  }
  for (const mode of MODES) {
    for (const measure of MEASURES) {
      const [other, mine] = builds.map(([name]) => samples.get(`${name} ${mode}`)!.map((s) => s[measure]));
      const change = ((median(mine) / median(other) - 1) * 100).toFixed(0);
      process.stdout.write(
        `${mode} ${measure} µs/task: other ${median(other).toFixed(1)} (min ${Math.min(...other).toFixed(1)}), ` +
          `this ${median(mine).toFixed(1)} (min ${Math.min(...mine).toFixed(1)}): ${change}%\n`,
      );
    }
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  process.stdout.write(`load average ${load(loadBefore)} -> ${load(os.loadavg())}; ${rounds} rounds of ${n} tasks, 3 runs each\n`);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4] as Mode, Number(process.argv[5]), Number(process.argv[6]));
} else if (!process.argv[2]) {
  process.stderr.write("usage: node dist/bench/engine-ab.js <other build's dist> [rounds=8] [tasks=20000]\n");
  process.exitCode = 2;
} else {
  // The children's stores go to one folder, removed at the end (see scratch.ts).
  const removeScratch = useScratchTmpdir("cellflow-bench-ab-run-", "CELLFLOW_BENCH_TMPDIR");
  try {
    main(process.argv[2], Number(process.argv[3] ?? 8), Number(process.argv[4] ?? 20_000));
  } finally {
    removeScratch();
  }
}
