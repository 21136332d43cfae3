// A worker's side of graphile-worker (PostgreSQL only, loaded lazily): installs its schema, runs its job runner
// with the worker's concurrency (woken by LISTEN/NOTIFY), and hands each job to the worker's handler for its task
// name (deployment runs; dispatched task runs).

import type { Runner } from "graphile-worker";

/** The job's name; cellflow_enqueue_run (store migration 6) adds jobs under it, payload { id }. */
export const DEPLOYMENT_RUN_TASK = "cellflow.deployment_run";

/** How long after its runner stopped on an error the worker starts a new one. */
const RESTART_MS = 1000;

export interface JobQueueOptions {
  /** The store's PostgreSQL URL (graphile-worker opens its own small pool on it). */
  url: string;
  concurrency: number;
  /** How often the runner polls besides LISTEN/NOTIFY (a missed notification, a job unlocked by a reaper). */
  pollMs: number;
  /** The job handlers by graphile-worker task name; each resolves when its job is done. A throw makes graphile-worker retry the job. */
  tasks: Record<string, (payload: unknown) => Promise<void>>;
  /**
   * Jobs the runner locks and fetches in one query, handed to its concurrent handlers from memory (graphile-worker's
   * local queue). For short jobs arriving in bursts (task runs). @default none: one fetch per job
   */
  localQueueSize?: number;
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
  const [{ run }, { EventEmitter }, { default: pg }] = await Promise.all([import("graphile-worker"), import("node:events"), import("pg")]);
  // The runner's pool is ours, with an error listener for its whole life: graphile-worker detaches its own while a
  // runner stops, and an idle connection the server ends then (pg_terminate_backend, a restart) would otherwise be an
  // unhandled 'error' event that ends the process. The pool drops such a connection; the next runner opens new ones.
  // Its size: the runner's LISTEN client, one connection per concurrent job's bookkeeping, and spare.
  const pool = new pg.Pool({ connectionString: options.url, max: options.concurrency + 2 });
  pool.on("error", (error) => options.log(`a queue connection was lost (${error.message}); the pool opens another`));
  // A connection in use that the server ends reports on the connection itself: also logged, never fatal.
  pool.on("connect", (client) => client.on("error", (error) => options.log(`a queue connection failed (${error.message})`)));
  const ids: string[] = [];
  const events = new EventEmitter() as NonNullable<Parameters<typeof run>[0]["events"]>;
  // Jobs are locked by the pool's id (its batched get_job) or a worker's: a reaper frees both.
  events.on("pool:create", ({ workerPool }) => ids.push(workerPool.id));
  events.on("worker:create", ({ worker }) => ids.push(worker.workerId));
  const runnerOptions = {
    pgPool: pool,
    concurrency: options.concurrency,
    pollInterval: options.pollMs,
    noHandleSignals: true,
    // Batched completion (as the queue was measured with): a job's outcome that cannot be recorded stops the runner
    // (restarted below). Unbatched, graphile-worker 0.17 drops that failure as an unhandled rejection, which ends
    // the process when a lost connection meets a job finishing.
    preset: {
      worker: {
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
        ...(options.localQueueSize ? { localQueue: { size: options.localQueueSize } } : {}),
      },
    },
    events,
    logger: await quietLogger(options.log),
    taskList: Object.fromEntries(Object.entries(options.tasks).map(([name, handle]) => [name, async (payload: unknown) => handle(payload)])),
  };
  let stopping = false;
  let runner: Runner = await run(runnerOptions);
  // graphile-worker stops its runner when it cannot record a job's outcome (the server went away at that moment):
  // the worker starts a new one and goes on, as after any lost connection; the job's lock is freed by the reaper
  // (or the 4-hour timeout of a runner that never comes back).
  const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
  const restart = (why: string): void => {
    if (stopping) return;
    options.log(`graphile-worker's runner ${why}; starting it again in ${RESTART_MS} ms`);
    setTimeout(() => {
      if (stopping) return;
      // The stopped runner's jobs stay locked under its ids: free them first, so they run now, not in 4 hours.
      const stale = ids.splice(0);
      unlockWorkers(pool, stale)
        .then(() => run(runnerOptions))
        .then(
          (next) => supervise((runner = next)),
          (error: unknown) => {
            ids.push(...stale);
            restart(`could not start (${messageOf(error)})`);
          },
        );
    }, RESTART_MS);
  };
  const supervise = (current: Runner): void => {
    // Its promise settles when the runner stops, fulfilled even when its pool died of an error (it logs why).
    current.promise.then(
      () => restart("stopped"),
      (error: unknown) => restart(`stopped (${messageOf(error)})`),
    );
  };
  supervise(runner);
  return {
    workerIds: () => [...ids],
    stop: async () => {
      stopping = true;
      await runner.stop().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

/** Free the jobs graphile-worker holds under these worker or pool ids (their runner is gone). */
async function unlockWorkers(pool: import("pg").Pool, workerIds: string[]): Promise<void> {
  if (workerIds.length === 0) return;
  const { makeWorkerUtils } = await import("graphile-worker");
  const utils = await makeWorkerUtils({ pgPool: pool });
  try {
    await utils.forceUnlockWorkers(workerIds);
  } finally {
    await utils.release();
  }
}

/** graphile-worker's warnings and errors go to the worker's output; its info and debug lines do not. */
async function quietLogger(log: (message: string) => void) {
  const { Logger } = await import("graphile-worker");
  return new Logger(() => (level, message) => {
    if (level === "error" || level === "warning") log(`graphile-worker ${level}: ${message}`);
  });
}
