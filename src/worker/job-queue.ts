// A worker's side of graphile-worker (PostgreSQL only, loaded lazily): installs its schema, runs its job runner
// with the worker's concurrency (woken by LISTEN/NOTIFY), and hands each deployment-run job to the worker.

import type { Runner } from "graphile-worker";

/** The job's name; cellflow_enqueue_run (store migration 6) adds jobs under it, payload { id }. */
export const DEPLOYMENT_RUN_TASK = "cellflow.deployment_run";

export interface JobQueueOptions {
  /** The store's PostgreSQL URL (graphile-worker opens its own small pool on it). */
  url: string;
  concurrency: number;
  /** How often the runner polls besides LISTEN/NOTIFY (a missed notification, a job unlocked by a reaper). */
  pollMs: number;
  /** Run the deployment run `id`; resolves when it is over. A throw makes graphile-worker retry the job. */
  handle: (id: string) => Promise<void>;
  /** Warnings and errors of the runner. */
  log: (message: string) => void;
}

export interface JobQueue {
  /** graphile-worker's ids of this process's workers, for force_unlock_workers when this worker is declared dead. */
  workerIds(): string[];
  stop(): Promise<void>;
}

/** Install (or bring up to date) graphile-worker's schema; it takes care of concurrent installs itself. */
export async function installJobQueue(url: string, log: (message: string) => void): Promise<void> {
  const { runMigrations } = await import("graphile-worker");
  await runMigrations({ connectionString: url, logger: await quietLogger(log) });
}

export async function startJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const { run } = await import("graphile-worker");
  const { EventEmitter } = await import("node:events");
  const ids: string[] = [];
  const events = new EventEmitter() as NonNullable<Parameters<typeof run>[0]["events"]>;
  // Jobs are locked by the pool's id (its batched get_job) or a worker's: a reaper frees both.
  events.on("pool:create", ({ workerPool }) => ids.push(workerPool.id));
  events.on("worker:create", ({ worker }) => ids.push(worker.workerId));
  const runner: Runner = await run({
    connectionString: options.url,
    concurrency: options.concurrency,
    // Its own pool: the runner's LISTEN client, one connection per concurrent job's bookkeeping, and spare.
    maxPoolSize: options.concurrency + 2,
    pollInterval: options.pollMs,
    noHandleSignals: true,
    events,
    logger: await quietLogger(options.log),
    taskList: {
      [DEPLOYMENT_RUN_TASK]: async (payload) => {
        const id = (payload as { id?: unknown } | null)?.id;
        if (typeof id !== "string") throw new Error(`job payload has no run id: ${JSON.stringify(payload)}`);
        await options.handle(id);
      },
    },
  });
  return {
    workerIds: () => [...ids],
    stop: () => runner.stop(),
  };
}

/** graphile-worker's warnings and errors go to the worker's output; its info and debug lines do not. */
async function quietLogger(log: (message: string) => void) {
  const { Logger } = await import("graphile-worker");
  return new Logger(() => (level, message) => {
    if (level === "error" || level === "warning") log(`graphile-worker ${level}: ${message}`);
  });
}
