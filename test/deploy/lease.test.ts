// The lease rule on a fake clock (PostgreSQL, a database per test): a worker that was itself silent past the lease
// (paused, starved, a suspended machine) does not reap for one lease after it wakes, so it cannot declare dead a
// worker whose heartbeats were late for the same reason; a worker that stayed awake still reaps the silent one.
// Both leases share this process's store, and only Date is faked (the store's connection keeps real timers).

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureStore } from "../../src/engine/engine.js";
import { WORKER_LEASE_MS, WorkerLease } from "../../src/worker/lease.js";
import { freshStore, store } from "../engine/helpers.js";
import { freshDatabase, type TestDatabase } from "../support/postgres.js";

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

describe("the worker lease on a fake clock", () => {
  let database: TestDatabase;
  const logs: Record<string, string[]> = {};

  function lease(id: string): WorkerLease {
    logs[id] = [];
    return new WorkerLease({ workerId: `host-a:1:${id}`, owner: `host-a:1:${id}-owner`, kind: "tasks", queueIds: () => [], log: (line) => logs[id].push(line) });
  }

  function at(ms: number): void {
    vi.setSystemTime(T0 + ms);
  }

  /** Workers a and b, both beating at time 0. */
  function twoBeating(): [WorkerLease, WorkerLease] {
    const a = lease("a");
    const b = lease("b");
    at(0);
    a.beat();
    b.beat();
    return [a, b];
  }

  const live = () => store().workQueue.liveWorkers(100 * WORKER_LEASE_MS, Date.now()).map((w) => w.id);

  beforeEach(async () => {
    database = await freshDatabase("lease", { migrated: true });
    process.env.CELLFLOW_DATABASE_URL = database.url;
    freshStore();
    vi.useFakeTimers({ toFake: ["Date"] });
  });

  afterEach(async () => {
    vi.useRealTimers();
    configureStore(null);
    delete process.env.CELLFLOW_DATABASE_URL;
    await database.drop();
  });

  it("a worker that wakes after a silence longer than the lease does not reap the others for one lease", () => {
    const [a, b] = twoBeating();
    // Both machines were suspended for two leases; a wakes first.
    at(2 * WORKER_LEASE_MS);
    a.beat();
    expect(live()).toEqual(["host-a:1:a", "host-a:1:b"]);
    at(2 * WORKER_LEASE_MS + 10);
    b.beat();
    expect(logs.b.filter((line) => line.includes("declared dead"))).toEqual([]);
    expect(logs.a.filter((line) => line.includes("stopped heartbeating"))).toEqual([]);
  });

  it("a worker that stayed awake reaps a silent one after the lease, and the silent one learns it when it wakes", () => {
    const [a, b] = twoBeating();
    const step = Math.round(WORKER_LEASE_MS / 3);
    for (let t = step; t <= 4 * step + 1; t += step) {
      at(t);
      a.beat();
    }
    expect(logs.a).toEqual([expect.stringMatching(/^worker host-a:1:b stopped heartbeating: declared dead/)]);
    expect(live()).toEqual(["host-a:1:a"]);
    at(4 * step + 30);
    b.beat();
    expect(logs.b).toEqual([expect.stringMatching(/^this worker was declared dead by the others/)]);
    expect(live()).toEqual(["host-a:1:a", "host-a:1:b"]);
  });
});
