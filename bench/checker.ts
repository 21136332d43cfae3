// `npm run bench -- checker`: the type checker alone, as the kernel uses it (a TypeCheckThread, so the process started
// from the startup snapshot), without Jupyter: how long a check takes from request to answer, for cells new to the
// checker. `cold*`: the process's first 40 checks after its start (V8 has compiled none of the checker's code yet);
// `afterIdle*`: 200 cells checked by another process left idle 3 s after its first check (as between cells typed by
// hand: time it spends warming up), the first 40 of them totalled;
// `warm*`: 300 more, back to back; `taskCell*`: 60 cells that define a task and a flow with the cellflow API;
// `mixedCell*`: after 20 cells that declared names, 200 cells that use one of them or none, alternately. With
// CELLFLOW_BENCH_BASELINE=<another checkout, built>, the same for that build in the same run (`baseline*`).

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { percentile } from "./poll.js";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The child's script: checks cells through `dist`'s TypeCheckThread and prints each phase's times (ms). */
function script(dist: string): string {
  const url = (file: string) => JSON.stringify(pathToFileURL(join(dist, "src", "cells", file)).href);
  return `
    import { TypeCheckThread } from ${url("type-check-thread.js")};
    import { DeclarationHistory } from ${url("declarations.js")};
    const history = new DeclarationHistory();
    // Each cell checked after those whose declarations are in \`earlier\` (none, unless given).
    const timed = async (thread, cells, earlier = history) => {
      const out = [];
      for (const cell of cells) {
        const started = performance.now();
        await thread.check(earlier.asModule(), cell, 1);
        out.push(performance.now() - started);
      }
      return out;
    };
    const thread = new TypeCheckThread(process.cwd());
    await thread.check(history.asModule(), "0", 1);
    const place = thread.runsIn;
    const cold = await timed(thread, Array.from({ length: 40 }, (_, i) => i + " + 1"));
    const warm = await timed(thread, Array.from({ length: 300 }, (_, i) => i + " + 2"));
    const task = await timed(thread, Array.from({ length: 60 }, (_, i) =>
      'import { task, flow } from "cellflow";\\n' +
      "const t" + i + ' = task("t' + i + '", async (n: number) => ({ n, s: String(n).padStart(' + (i % 7) + ') }));\\n' +
      "export const f" + i + ' = flow("f' + i + '", async () => [await t' + i + "(" + i + ")].map((x) => x.s.length + x.n));"));
    // After 20 cells that declared something: cells that use their names and cells that use none, alternately.
    const { parseCell } = await import(${url("compile.js")});
    const declared = new DeclarationHistory();
    for (let i = 0; i < 20; i++) declared.record(parseCell("const v" + i + ": number = " + i + ";"));
    await timed(thread, ["v0"], declared);
    const mixed = await timed(thread, Array.from({ length: 200 }, (_, i) => (i % 2 ? "v" + (i % 20) + " + " + i : i + " + 5")), declared);
    // A second process, left idle for 3 s after its first check (as between cells typed by hand): it warms itself up.
    const rested = new TypeCheckThread(process.cwd());
    await rested.check(history.asModule(), "0", 1);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const afterIdle = await timed(rested, Array.from({ length: 200 }, (_, i) => i + " + 3"));
    console.log(JSON.stringify({ place, cold, warm, task, mixed, afterIdle }));
    process.exit(0);
  `;
}

/**
 * Builds `dist`'s checker snapshot if missing (in a process of its own, whose checker then exits with it), so that
 * no measured process shares the machine with that build (the kernel bench uses it too).
 */
export function buildSnapshot(dist: string, cwd: string): Promise<void> {
  const url = JSON.stringify(pathToFileURL(join(dist, "src", "cells", "type-check-thread.js")).href);
  const build = `
    import { TypeCheckThread } from ${url};
    const thread = new TypeCheckThread(process.cwd());
    await thread.check({ source: "export {};", names: [] }, "1", 1);
    const keep = setInterval(() => {}, 1000);
    await thread.snapshotBuilt;
    clearInterval(keep);
    process.exit(0);
  `;
  return new Promise((done, fail) =>
    execFile(process.execPath, ["--input-type=module", "-e", build], { cwd, timeout: 600_000 }, (error, _out, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done())),
  );
}

async function run(dist: string): Promise<{ place: string; cold: number[]; warm: number[]; task: number[]; mixed: number[]; afterIdle: number[] }> {
  const cwd = mkdtempSync(join(tmpdir(), "cellflow-bench-checker-"));
  await buildSnapshot(dist, cwd);
  return new Promise((done, fail) => {
    execFile(process.execPath, ["--input-type=module", "-e", script(dist)], { cwd, timeout: 600_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) return fail(new Error(`${error.message}\n${stderr}`));
      done(JSON.parse(stdout));
    });
  });
}

const pct = (xs: number[], p: number) => percentile(xs, p, 2);
const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0));

function numbers(prefix: string, found: Awaited<ReturnType<typeof run>>): Record<string, number> {
  if (found.place !== "process") throw new Error(`${prefix}: the checker ran in ${found.place}, not in the snapshot's process`);
  const out: Record<string, number> = {};
  const key = (name: string) => (prefix ? prefix + name[0].toUpperCase() + name.slice(1) : name);
  out[key("cold40TotalMs")] = sum(found.cold);
  out[key("coldMaxMs")] = pct(found.cold, 100);
  out[key("afterIdle40TotalMs")] = sum(found.afterIdle.slice(0, 40));
  out[key("afterIdle200TotalMs")] = sum(found.afterIdle);
  out[key("afterIdleP50Ms")] = pct(found.afterIdle, 50);
  out[key("afterIdleP95Ms")] = pct(found.afterIdle, 95);
  out[key("warmP50Ms")] = pct(found.warm, 50);
  out[key("warmP95Ms")] = pct(found.warm, 95);
  out[key("warmP99Ms")] = pct(found.warm, 99);
  out[key("taskCellP50Ms")] = pct(found.task, 50);
  out[key("taskCellP95Ms")] = pct(found.task, 95);
  out[key("mixedCellP50Ms")] = pct(found.mixed, 50);
  out[key("mixedCellP95Ms")] = pct(found.mixed, 95);
  return out;
}

export async function benchChecker(): Promise<Record<string, number>> {
  const baseline = process.env.CELLFLOW_BENCH_BASELINE;
  const baselineDist = baseline ? join(resolve(baseline), "dist") : undefined;
  if (baselineDist && !existsSync(join(baselineDist, "src", "cells", "type-check-thread.js"))) {
    throw new Error(`CELLFLOW_BENCH_BASELINE: ${baselineDist} has no type checker: build that checkout first`);
  }
  const out: Record<string, number> = {};
  // Alternated, so that neither build always runs on a machine warmed (or loaded) by the other.
  for (let round = 0; round < 2; round++) {
    if (baselineDist) Object.assign(out, numbers(`baselineRound${round + 1}`, await run(baselineDist)));
    Object.assign(out, numbers(`round${round + 1}`, await run(join(ROOT, "dist"))));
  }
  return out;
}
