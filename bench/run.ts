// `npm run bench`: every benchmark in one run, numbers printed as "name: value" lines per area.

import { benchEngine } from "./engine.js";
import { useScratchTmpdir } from "./scratch.js";

// The benchmarks' temporary stores, homes and kernels' folders, removed at the end (see scratch.ts).
const removeScratch = useScratchTmpdir("cellflow-bench-run-", "CELLFLOW_BENCH_TMPDIR");

type Bench = () => Promise<Record<string, number>>;

const BENCHES: Array<[string, Bench]> = [["engine", benchEngine]];

async function optional(name: string, file: string, exported: string): Promise<void> {
  try {
    const mod = (await import(file)) as Record<string, Bench>;
    if (typeof mod[exported] === "function") BENCHES.push([name, mod[exported]]);
  } catch (error) {
    process.stderr.write(`bench ${name}: not loaded (${(error as Error).message.split("\n")[0]})\n`);
  }
}

await optional("cells", "./cells.js", "benchCells");
await optional("kernel", "./kernel.js", "benchKernel");
await optional("checker", "./checker.js", "benchChecker");
await optional("tui", "./tui.js", "benchTui");
await optional("schedules", "./schedules.js", "benchSchedules");
await optional("deploy", "./deploy.js", "benchDeploy");
await optional("cli-start", "./cli-start.js", "benchCliStart");
await optional("cli-memory", "./cli-memory.js", "benchCliMemory");
await optional("runs", "./runs.js", "benchRuns");
await optional("ui", "./ui.js", "benchUi");
await optional("store-backends", "./store-backends.js", "benchStoreBackends");
await optional("pg-workers", "./pg-workers.js", "benchPgWorkers");
await optional("distributed", "./distributed.js", "benchDistributed");
await optional("result-storage", "./result-storage.js", "benchResultStorage");

const only = process.argv.slice(2);
for (const [name, bench] of BENCHES) {
  if (only.length && !only.includes(name)) continue;
  const started = Date.now();
  const numbers = await bench();
  process.stdout.write(`\n== ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
  for (const [k, v] of Object.entries(numbers)) process.stdout.write(`${k}: ${v}\n`);
}
removeScratch();
process.exit(0);
