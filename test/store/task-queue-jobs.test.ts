// How a batch of dispatched task runs becomes graphile-worker jobs: one job per task run for a small batch (every
// task worker can take one at once), chunks of a fan-out's task runs for a large one (a job is added, fetched,
// locked and completed once per chunk). Each task run is in exactly one job.

import { describe, expect, it } from "vitest";
import { JOB_CHUNK_MAX, jobsFor, type ChunkPayload } from "../../src/store/task-queue.js";

const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, payload: { id: `t${i}` } }));

/** The task run ids each job carries. */
function carried(jobs: ReturnType<typeof jobsFor>): string[][] {
  return jobs.map((j) => ("runs" in (j.payload as object) ? (j.payload as ChunkPayload).runs.map((r) => (r as { id: string }).id) : [(j.payload as { id: string }).id]));
}

describe("jobsFor", () => {
  it.each([
    { n: 1, jobs: 1, largest: 1 },
    { n: 32, jobs: 32, largest: 1 },
    { n: 33, jobs: 17, largest: 2 },
    { n: 200, jobs: 29, largest: 7 },
    { n: 500, jobs: 32, largest: 16 },
    { n: 10_000, jobs: 625, largest: JOB_CHUNK_MAX },
  ])("$n dispatched task runs → $jobs jobs of up to $largest", ({ n, jobs, largest }) => {
    const out = jobsFor(batch(n));
    expect(out).toHaveLength(jobs);
    const ids = carried(out);
    expect(Math.max(...ids.map((c) => c.length))).toBe(largest);
    expect(ids.flat()).toEqual(batch(n).map((j) => j.id));
  });

  it("a job of one task run is that task run's own job (its id is the key); a chunk's key names its first task run and its size", () => {
    expect(jobsFor(batch(2))).toEqual(batch(2));
    const chunked = jobsFor(batch(40));
    expect(chunked[0].id).toBe("t0+2");
    expect(new Set(chunked.map((j) => j.id)).size).toBe(chunked.length);
  });
});
