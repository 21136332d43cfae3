// Saving and loading a 1 MB result on PostgreSQL three ways, interleaved in one run: through the result storage
// (a filesystem block, here on the local disk: a network mount adds its own transfer time), under CELLFLOW_HOME
// (no result storage set), and inline in the database (what the 4 KB limit avoids). Wall and CPU time per
// save+load, median of REPS; each repetition writes a new result (a content-addressed copy already there is not
// rewritten). Needs a PostgreSQL server (CELLFLOW_BENCH_PG); a scratch database is made and dropped.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { configureStore, getEngine } from "../src/engine/engine.js";
import { saveBlock } from "../src/blocks/store.js";
import { serializeResult } from "../src/store/serialize.js";
import { scratchDatabase, type ScratchDatabase } from "./pg-scratch.js";

const SIZE = 1_000_000;
const REPS = 31;

type Way = "block" | "local" | "inline";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchResultStorage(): Promise<Record<string, number>> {
  let db: ScratchDatabase;
  try {
    db = await scratchDatabase("cf_bench_results");
  } catch (error) {
    process.stderr.write(`bench result-storage: skipped, no PostgreSQL server (${(error as Error).message})\n`);
    return {};
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-results-"));
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), "cellflow-bench-shared-"));
  const before = process.env.CELLFLOW_DATABASE_URL;
  process.env.CELLFLOW_DATABASE_URL = db.url;
  const load1 = os.loadavg()[0];
  const times: Record<Way, { wall: number[]; cpu: number[] }> = { block: { wall: [], cpu: [] }, local: { wall: [], cpu: [] }, inline: { wall: [], cpu: [] } };
  try {
    configureStore(home);
    const store = getEngine().store;
    saveBlock(store, "filesystem", "shared", { path: shared });
    let n = 0;
    const fresh = () => {
      const { bytes, ref } = serializeResult(`${n++}:`.padEnd(SIZE, "r"));
      if (!bytes) throw new Error(`a ${SIZE}-character result should be stored, not its own ref`);
      return { bytes, ref };
    };
    const once = (way: Way) => {
      if (way === "block") store.setResultStorage("shared");
      else store.unsetResultStorage();
      const { bytes, ref } = fresh();
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      if (way === "inline") {
        store.writer.result(ref, bytes);
        store.flush();
      } else store.saveResult(ref, bytes);
      const value = store.loadResult(ref) as string;
      const wall = Number(process.hrtime.bigint() - start) / 1e6;
      const used = process.cpuUsage(cpu);
      if (value.length !== SIZE) throw new Error(`read back ${value.length} characters, expected ${SIZE}`);
      times[way].wall.push(wall);
      times[way].cpu.push((used.user + used.system) / 1000);
    };
    for (const way of ["block", "local", "inline"] as const) once(way); // warm-up
    for (const way of Object.values(times)) {
      way.wall.length = 0;
      way.cpu.length = 0;
    }
    for (let i = 0; i < REPS; i++) for (const way of ["block", "local", "inline"] as const) once(way);
  } finally {
    configureStore(null);
    if (before === undefined) delete process.env.CELLFLOW_DATABASE_URL;
    else process.env.CELLFLOW_DATABASE_URL = before;
    await db.drop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(shared, { recursive: true, force: true });
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  const out: Record<string, number> = {};
  for (const way of ["block", "local", "inline"] as const) {
    out[`1 MB save+load via ${way}, wall ms (median of ${REPS})`] = round(median(times[way].wall));
    out[`1 MB save+load via ${way}, cpu ms (this process)`] = round(median(times[way].cpu));
  }
  out["load average before"] = round(load1);
  out["load average after"] = round(os.loadavg()[0]);
  return out;
}
