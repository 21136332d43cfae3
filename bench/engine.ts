// Engine benchmarks: per-task overhead against plain async functions, memory for 100k tasks, rerun cost,
// and four processes sharing one store. Heavy parts run in child processes so each starts clean.

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { flow, task } from "../src/index.js";
import { configureStore, getEngine } from "../src/engine/engine.js";
import { runFlow } from "../src/engine/flow-run.js";

const HERE = fileURLToPath(import.meta.url);

function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-"));
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function sequentialAndSubmitted(n: number): Promise<Record<string, number>> {
  configureStore(tempHome());
  const inc = task("inc", (x: number) => x + 1);
  const seq = flow("bench-seq", async () => {
    let x = 0;
    for (let i = 0; i < n; i++) x = await inc(x);
    return x;
  });
  const fan = flow("bench-fan", async () => {
    const futures = [];
    for (let i = 0; i < n; i++) futures.push(inc.submit(i));
    let sum = 0;
    for (const f of futures) sum += await f.result();
    return sum;
  });
  const plainInc = async (x: number) => x + 1;
  const plainSeq = async () => {
    let x = 0;
    for (let i = 0; i < n; i++) x = await plainInc(x);
    return x;
  };
  const plainFan = async () => (await Promise.all(Array.from({ length: n }, (_, i) => plainInc(i)))).reduce((a, b) => a + b, 0);
  await seq({}); // warm-up
  await fan({});
  const seqMs = await time(() => seq({}));
  const fanMs = await time(() => fan({}));
  const plainSeqMs = await time(plainSeq);
  const plainFanMs = await time(plainFan);
  const flushMs = await time(async () => getEngine().store.flush());
  return {
    sequentialTasksPerSec: Math.round((n / seqMs) * 1000),
    sequentialOverheadUsPerTask: +(((seqMs - plainSeqMs) / n) * 1000).toFixed(1),
    submittedTasksPerSec: Math.round((n / fanMs) * 1000),
    submittedOverheadUsPerTask: +(((fanMs - plainFanMs) / n) * 1000).toFixed(1),
    finalFlushMs: +flushMs.toFixed(1),
  };
}

async function rerunCost(n: number): Promise<Record<string, number>> {
  configureStore(tempHome());
  let executed = 0;
  let failLast = true;
  const step = task("step", (x: number) => {
    executed++;
    return x + 1;
  });
  const last = task("last", (x: number) => {
    executed++;
    if (failLast) throw new Error("last task fails on the first attempt");
    return x;
  });
  const f = flow("bench-rerun", async () => {
    let x = 0;
    for (let i = 0; i < n - 1; i++) x = await step(x);
    return last(x);
  });
  const first = await runFlow(f.definition, {});
  failLast = false;
  executed = 0;
  const cachedOnly = flow("bench-rerun-plain", async () => {
    let x = 0;
    for (let i = 0; i < n - 1; i++) x = x + 1;
    return x;
  });
  const baseline = await time(() => cachedOnly({}));
  const rerunMs = await time(() => runFlow(f.definition, {}, { resume: first.record }));
  return { rerunTasksExecuted: executed, rerunMs: +rerunMs.toFixed(1), rerunOverheadFor999CachedMs: +(rerunMs - baseline).toFixed(1) };
}

/** Child mode: run `n` tasks in one flow and report RSS growth or throughput. */
async function child(mode: string, n: number): Promise<void> {
  const inc = task("inc", (x: number) => x + 1);
  const f = flow(`bench-${mode}`, async () => {
    let x = 0;
    for (let i = 0; i < n; i++) x = await inc(x);
    return x;
  });
  if (mode === "memory") {
    await flow("warm", async () => inc(1))({});
    const before = process.memoryUsage().rss;
    await f({});
    const after = process.memoryUsage().rss;
    process.stdout.write(JSON.stringify({ rssGrowthMB: +((after - before) / 1048576).toFixed(1) }));
    return;
  }
  let lockErrors = 0;
  const start = Date.now();
  try {
    await f({});
  } catch (error) {
    if (/locked|busy/i.test(String(error))) lockErrors++;
    else throw error;
  }
  process.stdout.write(JSON.stringify({ ms: Date.now() - start, lockErrors }));
}

function runChild(mode: string, n: number, home: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [HERE, "--child", mode, String(n)], { env: { ...process.env, CELLFLOW_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`bench child ${mode} exited ${code}: ${err}`));
      const lockErrors = (err.match(/locked|SQLITE_BUSY/gi) ?? []).length;
      const parsed = JSON.parse(out) as Record<string, number>;
      resolve({ ...parsed, lockErrors: (parsed.lockErrors ?? 0) + lockErrors });
    });
  });
}

async function fourProcesses(n: number): Promise<Record<string, number>> {
  const home = tempHome();
  execFileSync(process.execPath, [HERE, "--child", "throughput", "1"], { env: { ...process.env, CELLFLOW_HOME: home } });
  const start = Date.now();
  const results = await Promise.all([0, 1, 2, 3].map(() => runChild("throughput", n, home)));
  const wall = Date.now() - start;
  return {
    fourProcessLockErrors: results.reduce((a, r) => a + r.lockErrors, 0),
    fourProcessTasksPerSec: Math.round(((4 * n) / wall) * 1000),
  };
}

export async function benchEngine(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  Object.assign(out, await sequentialAndSubmitted(10_000));
  Object.assign(out, await rerunCost(1000));
  Object.assign(out, await runChild("memory", 100_000, tempHome()));
  Object.assign(out, await fourProcesses(5000));
  return out;
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]));
}
