// CPU time of the processes a benchmark drives, from /proc (Linux; elsewhere every figure is NaN): a live process
// by pid, the children this process has waited for, and the PostgreSQL server processes serving one database.

import fs from "node:fs";
import pg from "pg";

/** Linux's USER_HZ: /proc counts CPU time in 1/100 s on every architecture Node runs on. */
const TICK_MS = 10;

/** utime + stime of `pid` (its threads included) in ms; `self` reads this process. NaN when unreadable. */
function statFields(pid: number | "self"): string[] | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** CPU ms (user + system, all threads) of a live process; NaN when it is gone or /proc is missing. */
export function processCpuMs(pid: number): number {
  const f = statFields(pid);
  // After the name: state is field 3, utime 14, stime 15 (1-based in proc(5)), so indexes 11 and 12 here.
  return f ? (Number(f[11]) + Number(f[12])) * TICK_MS : NaN;
}

/** CPU ms of this process's children that have exited and been waited for (cutime + cstime). */
export function exitedChildrenCpuMs(): number {
  const f = statFields("self");
  return f ? (Number(f[13]) + Number(f[14])) * TICK_MS : NaN;
}

/**
 * Samples the CPU of the server processes connected to `database` every `everyMs` while it runs: a connection that
 * closes keeps its last sample (so up to `everyMs` of its CPU is missed). The server must be on this machine.
 */
export class BackendCpu {
  private readonly seen = new Map<number, { first: number; last: number }>();
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: pg.Client,
    private readonly database: string,
    private readonly everyMs = 100,
  ) {}

  async start(): Promise<void> {
    await this.sample(true);
    this.timer = setInterval(() => (this.sampling = this.sampling.then(() => this.sample(false))), this.everyMs);
  }

  /** Stop and return the CPU ms the database's server processes used since start(). */
  async stop(): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
    await this.sample(false);
    let total = 0;
    for (const { first, last } of this.seen.values()) total += last - first;
    return total;
  }

  private async sample(first: boolean): Promise<void> {
    const { rows } = await this.client.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [this.database]);
    for (const { pid } of rows as Array<{ pid: number }>) {
      const ms = processCpuMs(pid);
      if (Number.isNaN(ms)) continue;
      const known = this.seen.get(pid);
      // A connection opened after start() counts from zero: its whole life is in the measured span.
      if (known) known.last = ms;
      else this.seen.set(pid, { first: first ? ms : 0, last: ms });
    }
  }
}
