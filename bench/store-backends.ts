// The store on SQLite beside the store on PostgreSQL, measured in the same run, interleaved: per-task overhead
// of a local flow with its states persisted, and the cost of one synchronous read. Needs a PostgreSQL server
// (CELLFLOW_BENCH_PG, default postgres://postgres@127.0.0.1:5432); a new database is made and dropped.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { flow, task } from "../src/index.js";
import { configureStore, getEngine } from "../src/engine/engine.js";
import { BENCH_PG_SERVER, scratchDatabase, type ScratchDatabase } from "./pg-scratch.js";

const TASKS = 2000;
const READS = 2000;
const REPS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function ms(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** One repetition on the store the engine is configured with: sequential and submitted tasks, then reads. */
async function once(): Promise<{ seqUs: number; fanUs: number; readUs: number }> {
  const inc = task("inc", (x: number) => x + 1);
  const seq = flow("bench-seq", async () => {
    let x = 0;
    for (let i = 0; i < TASKS; i++) x = await inc(x);
    return x;
  });
  const fan = flow("bench-fan", async () => {
    const futures = [];
    for (let i = 0; i < TASKS; i++) futures.push(inc.submit(i));
    let sum = 0;
    for (const f of futures) sum += await f.result();
    return sum;
  });
  const plain = async (x: number) => x + 1;
  const plainMs = await ms(async () => {
    let x = 0;
    for (let i = 0; i < TASKS; i++) x = await plain(x);
  });
  const store = getEngine().store;
  // Each run's time includes writing all it did: the final flush, then a read, which on PostgreSQL waits for
  // every batch posted before it. Batching and posting are not hidden.
  let id = "";
  const seqMs = await ms(async () => {
    await seq.run();
    store.flush();
    id = store.listFlowRuns({ limit: 1 })[0].id;
  });
  const fanMs = await ms(async () => {
    await fan.run();
    store.flush();
    store.listFlowRuns({ limit: 1 });
  });
  const readMs = await ms(() => {
    for (let i = 0; i < READS; i++) store.getFlowRunRow(id);
  });
  return { seqUs: ((seqMs - plainMs) / TASKS) * 1000, fanUs: ((fanMs - plainMs) / TASKS) * 1000, readUs: (readMs / READS) * 1000 };
}

/** What the synchronous read costs beyond PostgreSQL's own round trip: the same statement from an async client. */
async function asyncRead(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT id FROM flow_runs LIMIT 1");
    const id = (rows[0] as { id: string }).id;
    const samples: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const took = await ms(async () => {
        for (let i = 0; i < READS; i++) await client.query({ name: "read", text: "SELECT * FROM flow_runs WHERE id = $1", values: [id] });
      });
      samples.push((took / READS) * 1000);
    }
    return median(samples);
  } finally {
    await client.end();
  }
}

export async function benchStoreBackends(): Promise<Record<string, number>> {
  let database: ScratchDatabase;
  try {
    database = await scratchDatabase("cellflow_bench");
  } catch (error) {
    process.stderr.write(`bench store-backends: no PostgreSQL at ${BENCH_PG_SERVER} (${(error as Error).message}); skipped\n`);
    return {};
  }
  const homes = { sqlite: fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-sqlite-")), pg: fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-pg-")) };
  let asyncUs = 0;
  const results: Record<"sqlite" | "pg", Array<{ seqUs: number; fanUs: number; readUs: number }>> = { sqlite: [], pg: [] };
  try {
    // One warm-up each, then REPS interleaved repetitions: the machine's load falls on both alike.
    for (let rep = 0; rep <= REPS; rep++) {
      for (const backend of ["sqlite", "pg"] as const) {
        if (backend === "pg") process.env.CELLFLOW_DATABASE_URL = database.url;
        else delete process.env.CELLFLOW_DATABASE_URL;
        configureStore(homes[backend]);
        const r = await once();
        if (rep > 0) results[backend].push(r);
        configureStore(null);
      }
    }
    asyncUs = await asyncRead(database.url);
  } finally {
    delete process.env.CELLFLOW_DATABASE_URL;
    await database.drop();
  }
  const out: Record<string, number> = {};
  for (const backend of ["sqlite", "pg"] as const) {
    out[`${backend}: sequential task overhead (µs/task, median of ${REPS})`] = +median(results[backend].map((r) => r.seqUs)).toFixed(1);
    out[`${backend}: submitted task overhead (µs/task)`] = +median(results[backend].map((r) => r.fanUs)).toFixed(1);
    out[`${backend}: one synchronous read, getFlowRunRow (µs)`] = +median(results[backend].map((r) => r.readUs)).toFixed(1);
  }
  out["pg: the same read from an async pg client, no thread hop (µs)"] = +asyncUs.toFixed(1);
  out["load average (1 min)"] = +os.loadavg()[0].toFixed(2);
  return out;
}
