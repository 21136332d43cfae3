// The worker's pool of pre-started children: each has loaded Node, the engine and the runner and waits over IPC
// for one run id; it runs that one run and exits, and the pool starts a replacement. A due run so starts at once.

import { spawn, type ChildProcess } from "node:child_process";
import type { FlowRunRecord } from "../core/records.js";
import { CLI_MAIN, exitOf, forward, type RunChild } from "./child.js";

/** What a pool child says over IPC, and what it is told. */
export type PoolMessage = { kind: "ready" } | { kind: "run"; id: string };

interface PoolChild {
  process: ChildProcess;
  ready: boolean;
  /** The run handed to it while it was still starting: sent once it says ready. */
  run: string | null;
  prefix: string;
  exited: Promise<number | string>;
}

export interface ChildPoolOptions {
  /** The store the children run on. */
  home: string;
  /** How many idle children to keep (asked again whenever the pool refills). */
  target: () => number;
  out: (line: string) => void;
  /** Called when a child becomes ready, so a waiting worker can hand it a run. */
  onReady?: () => void;
}

export class ChildPool {
  private readonly idle = new Set<PoolChild>();
  private closed = false;

  constructor(private readonly options: ChildPoolOptions) {}

  /** Start children until the pool holds its target of idle ones (ready or starting). */
  fill(): void {
    while (!this.closed && this.idle.size < this.options.target()) this.startChild();
  }

  /**
   * Hand `run` to an idle child, which then leaves the pool for good: a ready one, else the one that started first
   * (it gets the run when it says ready: sooner than a fresh child, which would load everything from the start).
   * Null when the pool has no child at all.
   */
  take(run: FlowRunRecord): RunChild | null {
    const live = [...this.idle].filter((c) => c.process.connected);
    const child = live.find((c) => c.ready) ?? live[0];
    if (!child) return null;
    this.idle.delete(child);
    child.prefix = `[${run.name}] `;
    if (child.ready) child.process.send({ kind: "run", id: run.id } satisfies PoolMessage);
    else child.run = run.id;
    return { run, process: child.process, exited: child.exited };
  }

  /** The process ids of the ready idle children. */
  readyPids(): number[] {
    return [...this.idle].filter((c) => c.ready).map((c) => c.process.pid!);
  }

  /** Stop the idle children (a child never given a run exits at once on SIGTERM) and start no more. */
  async close(): Promise<void> {
    this.closed = true;
    const idle = [...this.idle];
    for (const child of idle) child.process.kill("SIGTERM");
    await Promise.all(idle.map((c) => c.exited));
  }

  private startChild(): void {
    const proc = spawn(process.execPath, [CLI_MAIN, "worker", "child"], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, CELLFLOW_HOME: this.options.home, CELLFLOW_WORKER_CHILD: "1" },
    });
    const child: PoolChild = { process: proc, ready: false, run: null, prefix: "[pool] ", exited: exitOf(proc) };
    forward(proc.stdout, () => child.prefix, this.options.out);
    forward(proc.stderr, () => child.prefix, this.options.out);
    proc.on("message", (message: PoolMessage) => {
      if (message?.kind !== "ready") return;
      child.ready = true;
      if (child.run !== null) {
        // Taken while starting: its run goes to it now.
        proc.send({ kind: "run", id: child.run } satisfies PoolMessage);
        return;
      }
      this.options.onReady?.();
    });
    this.idle.add(child);
    void child.exited.then((code) => {
      // Still idle: it died before it was given a run. Replace it (a busy child is the worker's to watch).
      if (!this.idle.delete(child)) return;
      if (!this.closed) {
        this.options.out(`${new Date().toISOString().slice(11, 23)} worker: a pool child exited while idle (${code}); starting another`);
        this.fill();
      }
    });
  }
}
