// `cellflow worker [--concurrency N] [--once] [--poll-ms MS]`: run scheduled and requested deployment runs.
// `cellflow worker --tasks [--concurrency N]`: execute the task runs of distributed flow runs.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { parseDuration } from "../../core/duration.js";

function wholeNumber(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new CellflowError("USAGE", `${flag} '${value}' is not a whole number ≥ ${min}`, `e.g. ${flag} ${Math.max(min, 4)}`);
  return n;
}

/** Run `w` until SIGTERM or SIGINT asks it to stop. */
async function untilSignalled(w: { run(): Promise<unknown>; stop(): void }): Promise<void> {
  const stop = () => w.stop();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  try {
    await w.run();
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
}

async function runTaskWorker(opts: { concurrency?: string; once?: boolean; pollMs: string }): Promise<void> {
  if (opts.once) throw new CellflowError("USAGE", "--once does not go with --tasks (a task worker waits for task runs until stopped)", "drop --once, or --tasks");
  const { TaskWorker } = await import("../../worker/task-worker.js");
  await untilSignalled(new TaskWorker({ concurrency: wholeNumber("--concurrency", opts.concurrency ?? "32", 1), pollMs: wholeNumber("--poll-ms", opts.pollMs, 10) }));
}

export function registerWorkerCommands(program: Command): void {
  const worker = program
    .command("worker")
    .description("run scheduled and requested deployment runs, each in a child process; with --tasks, the task runs of distributed flows")
    .option("--tasks", "execute task runs that distributed flow runs dispatch (`cellflow run --distributed`; store on PostgreSQL)")
    .option("--concurrency <n>", "runs at once (task runs with --tasks) (default: 4; 32 with --tasks)")
    .option("--once", "claim what is due now, run it, exit")
    .option("--poll-ms <ms>", "longest sleep between scheduler passes", "1000")
    .option("--late-after <duration>", "a run this far past its time is Late (and missed, for catch-up)", "15s")
    .option("--grace <duration>", "on SIGTERM, how long running runs may finish before they are cancelled", "30s")
    .action(async (opts: { tasks?: boolean; concurrency?: string; once?: boolean; pollMs: string; lateAfter: string; grace: string }) => {
      if (opts.tasks) return runTaskWorker(opts);
      const { Worker } = await import("../../worker/worker.js");
      const w = new Worker({
        concurrency: wholeNumber("--concurrency", opts.concurrency ?? "4", 1),
        once: opts.once === true,
        pollMs: wholeNumber("--poll-ms", opts.pollMs, 10),
        lateAfterMs: parseDuration(opts.lateAfter, "--late-after"),
        graceMs: parseDuration(opts.grace, "--grace"),
      });
      await untilSignalled(w);
    });

  // A pre-started child of the worker's pool: waits over IPC for one run id. Hidden from help.
  worker
    .command("child", { hidden: true })
    .description("wait for one run from the worker, run it, exit (the worker starts this)")
    .action(async () => {
      const { serveOneRun } = await import("../../worker/pool-child.js");
      const record = await serveOneRun();
      process.exitCode = record.state.type === "COMPLETED" ? 0 : 1;
    });

  // Started by the worker for a claimed run when no pool child is ready; not for people, so hidden from help.
  worker
    .command("run-one <flow-run-id>", { hidden: true })
    .description("execute one claimed deployment run (the worker starts this)")
    .action(async (id: string) => {
      const { runClaimedRun } = await import("../../worker/run-one.js");
      const record = await runClaimedRun(id);
      process.exitCode = record.state.type === "COMPLETED" ? 0 : 1;
    });
}
