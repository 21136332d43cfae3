// `cellflow worker` processes a test starts and stops: each one's output kept (shown when the test fails), and all of
// them killed after it, paused ones included.

import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "../acceptance/helpers.js";

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** What it printed so far, stdout and stderr. */
  output(): string;
}

export class WorkerProcesses {
  private readonly list: WorkerProcess[] = [];

  /** `group`: each worker leads its own process group, and is killed with the children it started. */
  constructor(private readonly options: { group?: boolean } = {}) {}

  /** Start `cellflow <args>` as worker `name`. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(process.execPath, [CLI, ...args], { env, detached: this.options.group === true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.setEncoding("utf8").on("data", (c: string) => (output += c));
    child.stderr!.setEncoding("utf8").on("data", (c: string) => (output += c));
    this.list.push({ name, child, output: () => output });
    return child;
  }

  get(name: string): WorkerProcess {
    const found = this.list.find((w) => w.name === name);
    if (!found) throw new Error(`no worker named ${name}`);
    return found;
  }

  /** Every worker's output, for a failure message. */
  said(): string {
    return this.list.map((w) => `--- ${w.name}\n${w.output()}`).join("\n");
  }

  /** Resume (a SIGSTOPped one) and kill every worker, and forget them. */
  killAll(): void {
    for (const w of this.list.splice(0)) {
      const pid = this.options.group ? -w.child.pid! : w.child.pid!;
      try {
        process.kill(pid, "SIGCONT");
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
