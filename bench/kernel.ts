// Kernel benchmark, Cellflow beside tslab under one jupyter_client: launch → kernel_info, cell round trip, live DAG lag.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installKernelspec } from "../kernel/install.js";
import { buildSnapshot } from "./checker.js";

// dist/bench/kernel.js → the repository root is two levels up.
const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
// What `cellflow kernel install` puts in the kernelspec: the CLI, which loads only the kernel for `kernel start`.
const CLI = join(ROOT, "dist", "src", "cli", "main.js");
const CLIENT = join(ROOT, "test", "kernel", "py", "bench_kernels.py");
const CELLFLOW = "cellflow-bench";
const BASELINE = "cellflow-baseline-bench";
const TSLAB = "tslab-bench";
const IPYKERNEL = "ipykernel-bench";

/** What bench_kernels.py reports per kernel (milliseconds unless a count). */
interface KernelNumbers {
  kernelInfoMs: number;
  launchesDied: number;
  idleLost: number;
  firstCellMs: number;
  /** start_kernel until the first cell's reply; `startToFirstCellMs` until its idle status (all its output sent). */
  startToFirstReplyMs: number;
  startToFirstCellMs: number;
  /** CPU time (every thread, and the processes it started) the kernel used from its start until the first cell's reply; null off Linux. */
  cpuToFirstCellMs: number | null;
  /** CPU time per timed `1 + 1` round. */
  cellCpuMs?: number;
  cellP50Ms: number;
  cellP95Ms: number;
  /** The same over different cells (`0 + 1`, `1 + 1`, ...), and CPU time per such round. */
  distinctCellP50Ms: number;
  distinctCellP95Ms: number;
  distinctCellCpuMs?: number;
  stateChangeToUpdateMsP50?: number;
  stateChangeToUpdateMsMax?: number;
  stateChangeSamples?: number;
  uncheckedCellP50Ms?: number;
  uncheckedCellP95Ms?: number;
  after50CellsP50Ms?: number;
  after50CellsP95Ms?: number;
  /** Different cells in a fresh kernel left idle 2 s after its first cell (a person reading the result). */
  restedDistinctCellP50Ms?: number;
  restedDistinctCellP95Ms?: number;
}

function findPython(): string {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    if (spawnSync(candidate, ["-c", "import jupyter_client"], { stdio: "ignore" }).status === 0) return candidate;
  }
  throw new Error("the kernel benchmark needs a python3 with jupyter_client (apt-get install -y jupyter-client)");
}

function tslabBin(): string {
  try {
    const manifest = createRequire(import.meta.url).resolve("tslab/package.json");
    return join(dirname(manifest), "bin", "tslab");
  } catch {
    throw new Error("the kernel benchmark needs tslab, a dev dependency: run `npm install`");
  }
}

function run(python: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(python, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code === 0 && last.startsWith("{")) resolveRun(last);
      else reject(new Error(`bench_kernels.py failed (exit ${code}):\n${stdout}\n${stderr}`));
    });
  });
}

const ms = (n: number | undefined) => Number((n ?? Number.NaN).toFixed(2));

/**
 * Starts each kernel from a kernelspec in a temporary Jupyter prefix (Cellflow's `cellflow kernel start`, then
 * tslab's `tslab kernel`, then ipykernel when the python has it; first, with CELLFLOW_BENCH_BASELINE=<another built
 * checkout>, that checkout's kernel, reported as `baseline*`) and drives both with test/kernel/py/bench_kernels.py, one jupyter_client. Returns
 * in milliseconds: `*KernelInfoMs` (median of `launches` fresh starts, start_kernel until kernel_info_reply),
 * `*FirstCellMs`, `*StartToFirstReplyMs` (start_kernel until the first cell's reply), `*StartToFirstCellMs` (until its
 * reply and idle status: all its output delivered, Cellflow's type errors included), `*After50Cells*` (a cell after 50
 * that define what it uses; ipykernel's in Python), `*CellP50Ms`/`*CellP95Ms` over `iterations` runs of `1 + 1` (`*DistinctCell*` over as many different cells, `0 + 1`, `1 + 1`, ...; execute_request until reply and
 * idle both arrived; `*RestedDistinctCell*`: as many again in a fresh kernel left idle 2 s after its first cell), and for Cellflow `stateChangeToUpdateMsP50`/`Max`: from a task's last `Date.now()` to the
 * client receiving the update_display_data showing it Completed (one machine, one wall clock). Also counts:
 * `*LaunchesDied` (kernels that exited before answering kernel_info), `*IdleLost` (rounds whose reply came
 * but whose idle status never did: left out of the percentiles) and `stateChangeSamples`.
 */
export async function benchKernel(iterations = 200, launches = 3): Promise<Record<string, number>> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const python = findPython();
  const tslab = tslabBin();
  const dir = mkdtempSync(join(tmpdir(), "cellflow-bench-kernel-"));
  try {
    const prefix = join(dir, "prefix");
    await installKernelspec({ prefix, name: CELLFLOW, argv: [process.execPath, CLI, "kernel", "start", "{connection_file}"] });
    // Another build of Cellflow (a checkout of main, built) measured in the same run, for before/after figures.
    const baseline = process.env.CELLFLOW_BENCH_BASELINE;
    const baselineCli = baseline ? join(resolve(baseline), "dist", "src", "cli", "main.js") : undefined;
    if (baselineCli && !existsSync(baselineCli)) throw new Error(`CELLFLOW_BENCH_BASELINE: ${baselineCli} is missing: build that checkout first`);
    if (baselineCli) await installKernelspec({ prefix, name: BASELINE, argv: [process.execPath, baselineCli, "kernel", "start", "{connection_file}"] });
    // ipykernel, the reference for start-up, when the python running the client has it.
    const withIpykernel = spawnSync(python, ["-c", "import ipykernel"], { stdio: "ignore" }).status === 0;
    if (withIpykernel) {
      const spec = join(prefix, "share", "jupyter", "kernels", IPYKERNEL);
      mkdirSync(spec, { recursive: true });
      writeFileSync(join(spec, "kernel.json"), JSON.stringify({ argv: [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"], display_name: "Python 3 (bench)", language: "python" }));
    }
    // What `tslab install` writes (its installer needs IPython, which a bare jupyter_client lacks).
    const tslabSpec = join(prefix, "share", "jupyter", "kernels", TSLAB);
    mkdirSync(tslabSpec, { recursive: true });
    writeFileSync(
      join(tslabSpec, "kernel.json"),
      JSON.stringify({ argv: [process.execPath, tslab, "kernel", "--config-path", "{connection_file}"], display_name: "TypeScript (tslab)", language: "typescript" }),
    );
    const work = join(dir, "work");
    mkdirSync(work);
    // The first kernel after a build (or an upgrade) builds the type checker's snapshot beside its cells: done first
    // here, or that run measures the build (~2-3x its p95) instead of the kernel.
    for (const dist of [join(ROOT, "dist"), ...(baseline ? [join(resolve(baseline), "dist")] : [])]) {
      if (existsSync(join(dist, "src", "cells", "type-check-thread.js"))) await buildSnapshot(dist, work);
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JUPYTER_PATH: join(prefix, "share", "jupyter"),
      JUPYTER_DATA_DIR: join(dir, "data"),
      JUPYTER_CONFIG_DIR: join(dir, "config"),
      JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
      JUPYTER_PLATFORM_DIRS: "1",
      CELLFLOW_HOME: join(dir, "home"),
      PYTHONDONTWRITEBYTECODE: "1",
    };
    // Cellflow type-checks every cell by default (%typecheck warn), as tslab does: its `1 + 1` round trip is with
    // checks on; `nocheck` measures it again after %typecheck off, `typed` a cell checked against 50 earlier cells
    // (`typed-python`: ipykernel runs the same cells in Python, unchecked).
    const args = [
      CLIENT, work, String(launches), String(iterations),
      ...(baselineCli ? [`${BASELINE}:nocheck,typed,rested`] : []), `${CELLFLOW}:dag,nocheck,typed,rested`, `${TSLAB}:typed,rested`, ...(withIpykernel ? [`${IPYKERNEL}:typed-python,rested`] : []),
    ];
    const found = JSON.parse(await run(python, args, env, 1_200_000)) as Record<string, KernelNumbers>;
    const cellflow = found[CELLFLOW];
    const other = found[TSLAB];
    const ipykernel = found[IPYKERNEL] as KernelNumbers | undefined;
    const before = found[BASELINE] as KernelNumbers | undefined;
    return {
      cellflowKernelInfoMs: Math.round(cellflow.kernelInfoMs),
      tslabKernelInfoMs: Math.round(other.kernelInfoMs),
      ...(ipykernel
        ? {
            ipykernelKernelInfoMs: Math.round(ipykernel.kernelInfoMs),
            ipykernelStartToFirstReplyMs: Math.round(ipykernel.startToFirstReplyMs),
            ipykernelStartToFirstCellMs: Math.round(ipykernel.startToFirstCellMs),
            ipykernelCpuToFirstCellMs: Math.round(ipykernel.cpuToFirstCellMs ?? Number.NaN),
            ipykernelCellCpuMs: ms(ipykernel.cellCpuMs),
            ipykernelCellP50Ms: ms(ipykernel.cellP50Ms),
            ipykernelCellP95Ms: ms(ipykernel.cellP95Ms),
            ipykernelDistinctCellCpuMs: ms(ipykernel.distinctCellCpuMs),
            ipykernelDistinctCellP50Ms: ms(ipykernel.distinctCellP50Ms),
            ipykernelDistinctCellP95Ms: ms(ipykernel.distinctCellP95Ms),
            ipykernelAfter50CellsP50Ms: ms(ipykernel.after50CellsP50Ms),
            ipykernelAfter50CellsP95Ms: ms(ipykernel.after50CellsP95Ms),
            ipykernelRestedDistinctCellP50Ms: ms(ipykernel.restedDistinctCellP50Ms),
            ipykernelRestedDistinctCellP95Ms: ms(ipykernel.restedDistinctCellP95Ms),
          }
        : {}),
      ...(before
        ? {
            baselineKernelInfoMs: Math.round(before.kernelInfoMs),
            baselineStartToFirstReplyMs: Math.round(before.startToFirstReplyMs),
            baselineStartToFirstCellMs: Math.round(before.startToFirstCellMs),
            baselineCpuToFirstCellMs: Math.round(before.cpuToFirstCellMs ?? Number.NaN),
            baselineCellCpuMs: ms(before.cellCpuMs),
            baselineCellP50Ms: ms(before.cellP50Ms),
            baselineCellP95Ms: ms(before.cellP95Ms),
            baselineDistinctCellCpuMs: ms(before.distinctCellCpuMs),
            baselineDistinctCellP50Ms: ms(before.distinctCellP50Ms),
            baselineDistinctCellP95Ms: ms(before.distinctCellP95Ms),
            baselineUncheckedCellP50Ms: ms(before.uncheckedCellP50Ms),
            baselineAfter50CellsP50Ms: ms(before.after50CellsP50Ms),
            baselineAfter50CellsP95Ms: ms(before.after50CellsP95Ms),
            baselineRestedDistinctCellP50Ms: ms(before.restedDistinctCellP50Ms),
            baselineRestedDistinctCellP95Ms: ms(before.restedDistinctCellP95Ms),
          }
        : {}),
      cellflowStartToFirstReplyMs: Math.round(cellflow.startToFirstReplyMs),
      tslabStartToFirstReplyMs: Math.round(other.startToFirstReplyMs),
      cellflowStartToFirstCellMs: Math.round(cellflow.startToFirstCellMs),
      tslabStartToFirstCellMs: Math.round(other.startToFirstCellMs),
      cellflowCpuToFirstCellMs: Math.round(cellflow.cpuToFirstCellMs ?? Number.NaN),
      tslabCpuToFirstCellMs: Math.round(other.cpuToFirstCellMs ?? Number.NaN),
      cellflowCellCpuMs: ms(cellflow.cellCpuMs),
      tslabCellCpuMs: ms(other.cellCpuMs),
      cellflowFirstCellMs: Math.round(cellflow.firstCellMs),
      tslabFirstCellMs: Math.round(other.firstCellMs),
      cellflowCellP50Ms: ms(cellflow.cellP50Ms),
      cellflowCellP95Ms: ms(cellflow.cellP95Ms),
      tslabCellP50Ms: ms(other.cellP50Ms),
      tslabCellP95Ms: ms(other.cellP95Ms),
      cellflowDistinctCellCpuMs: ms(cellflow.distinctCellCpuMs),
      tslabDistinctCellCpuMs: ms(other.distinctCellCpuMs),
      cellflowDistinctCellP50Ms: ms(cellflow.distinctCellP50Ms),
      cellflowDistinctCellP95Ms: ms(cellflow.distinctCellP95Ms),
      tslabDistinctCellP50Ms: ms(other.distinctCellP50Ms),
      tslabDistinctCellP95Ms: ms(other.distinctCellP95Ms),
      cellflowUncheckedCellP50Ms: ms(cellflow.uncheckedCellP50Ms),
      cellflowUncheckedCellP95Ms: ms(cellflow.uncheckedCellP95Ms),
      cellflowAfter50CellsP50Ms: ms(cellflow.after50CellsP50Ms),
      cellflowAfter50CellsP95Ms: ms(cellflow.after50CellsP95Ms),
      tslabAfter50CellsP50Ms: ms(other.after50CellsP50Ms),
      tslabAfter50CellsP95Ms: ms(other.after50CellsP95Ms),
      cellflowRestedDistinctCellP50Ms: ms(cellflow.restedDistinctCellP50Ms),
      cellflowRestedDistinctCellP95Ms: ms(cellflow.restedDistinctCellP95Ms),
      tslabRestedDistinctCellP50Ms: ms(other.restedDistinctCellP50Ms),
      tslabRestedDistinctCellP95Ms: ms(other.restedDistinctCellP95Ms),
      stateChangeToUpdateMsP50: ms(cellflow.stateChangeToUpdateMsP50),
      stateChangeToUpdateMsMax: ms(cellflow.stateChangeToUpdateMsMax),
      stateChangeSamples: cellflow.stateChangeSamples ?? 0,
      cellflowLaunchesDied: cellflow.launchesDied,
      tslabLaunchesDied: other.launchesDied,
      cellflowIdleLost: cellflow.idleLost,
      tslabIdleLost: other.idleLost,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
