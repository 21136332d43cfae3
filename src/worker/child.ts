// One flow run in a child process: `node dist/src/cli/main.js worker run-one <id>`, with an IPC channel so the
// child notices its worker dying, and its output forwarded line by line with the run's name in front.

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FlowRunRecord } from "../core/records.js";

/** The CLI this module was built beside. */
export const CLI_MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));

export interface RunChild {
  run: FlowRunRecord;
  process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the child is gone. */
  exited: Promise<number | string>;
}

/** Forward a child's output line by line; `prefix` is read per line (a pool child learns its run's name late). */
export function forward(stream: NodeJS.ReadableStream | null, prefix: () => string, out: (line: string) => void): void {
  if (!stream) return;
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) out(`${prefix()}${line}`);
  });
  stream.on("end", () => buffered && out(`${prefix()}${buffered}`));
}

/** Start the child for a claimed run, on the worker's own store (`home`). */
export function spawnRunChild(run: FlowRunRecord, home: string, out: (line: string) => void): RunChild {
  const child = spawn(process.execPath, [CLI_MAIN, "worker", "run-one", run.id], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: { ...process.env, CELLFLOW_HOME: home, CELLFLOW_WORKER_CHILD: "1" },
  });
  const prefix = `[${run.name}] `;
  forward(child.stdout, () => prefix, out);
  forward(child.stderr, () => prefix, out);
  return { run, process: child, exited: exitOf(child) };
}

/** Resolves with the exit code (or the signal's name) when `child` is gone. */
export function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise<number | string>((resolve) => {
    child.once("error", (error) => resolve(`spawn failed: ${error.message}`));
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
}
