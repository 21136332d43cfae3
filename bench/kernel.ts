// Kernel benchmark: launch → kernel_info_reply, and the round trip of a trivial cell (p50/p95), from one zeromq client.

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Dealer, Subscriber } from "zeromq";
import { decode, encode, makeHeader, refused, Signer, type Content, type Message } from "../kernel/wire.js";

const KERNEL_BIN = resolve(fileURLToPath(new URL("..", import.meta.url)), "kernel", "bin.js");

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Launches the kernel (dist/kernel/bin.js) and measures, in milliseconds: `launchToKernelInfoMs`
 * (spawn until the kernel_info_reply arrives), `firstExecuteMs` (the first cell, which loads the
 * cell runtime), and `cellRoundTripP50Ms` / `cellRoundTripP95Ms` over `iterations` runs of `1 + 1`
 * (execute_request sent until both execute_reply and the idle status arrived).
 */
export async function benchKernel(iterations = 200): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "cellflow-bench-kernel-"));
  const key = randomUUID();
  const ports = { shell_port: await freePort(), iopub_port: await freePort(), stdin_port: await freePort(), control_port: await freePort(), hb_port: await freePort() };
  const file = join(dir, "connection.json");
  writeFileSync(file, JSON.stringify({ ...ports, ip: "127.0.0.1", transport: "tcp", key, signature_scheme: "hmac-sha256" }));
  const signer = new Signer(key);
  const session = randomUUID();
  const shell = new Dealer({ linger: 0, reconnectInterval: 5 });
  const iopub = new Subscriber({ linger: 0, reconnectInterval: 5 });
  shell.connect(`tcp://127.0.0.1:${ports.shell_port}`);
  iopub.connect(`tcp://127.0.0.1:${ports.iopub_port}`);
  iopub.subscribe();

  const idle = new Map<string, () => void>();
  void (async () => {
    try {
      for await (const frames of iopub) {
        const message = decode(frames, new Signer(key));
        if (refused(message) || message.header.msg_type !== "status") continue;
        if (message.content.execution_state === "idle") idle.get(String(message.parent_header.msg_id))?.();
      }
    } catch {
      // closed at the end of the benchmark
    }
  })();

  const request = async (msgType: string, content: Content): Promise<Message> => {
    const header = makeHeader(msgType, session, "bench");
    await shell.send(encode({ identities: [], header, parent_header: {}, metadata: {}, content }, signer));
    for (;;) {
      const reply = decode(await shell.receive(), signer);
      if (!refused(reply) && reply.parent_header.msg_id === header.msg_id) return reply;
    }
  };
  const execute = async (code: string): Promise<number> => {
    const started = performance.now();
    const header = makeHeader("execute_request", session, "bench");
    const becameIdle = new Promise<void>((resolveIdle) => idle.set(header.msg_id, resolveIdle));
    await shell.send(
      encode({ identities: [], header, parent_header: {}, metadata: {}, content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true } }, signer),
    );
    for (;;) {
      const reply = decode(await shell.receive(), signer);
      if (!refused(reply) && reply.parent_header.msg_id === header.msg_id) break;
    }
    await becameIdle;
    idle.delete(header.msg_id);
    return performance.now() - started;
  };

  const launched = performance.now();
  const child = spawn(process.execPath, [KERNEL_BIN, file], { stdio: ["ignore", "ignore", "ignore"], cwd: dir });
  try {
    await request("kernel_info_request", {});
    const launchToKernelInfoMs = performance.now() - launched;
    // The iopub subscription must be live before timing waits on idle statuses.
    await new Promise((r) => setTimeout(r, 100));
    const firstExecuteMs = await execute("1 + 1");
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) times.push(await execute("1 + 1"));
    times.sort((a, b) => a - b);
    await request("shutdown_request", { restart: false });
    return {
      launchToKernelInfoMs: Math.round(launchToKernelInfoMs),
      firstExecuteMs: Math.round(firstExecuteMs),
      cellRoundTripP50Ms: Number(percentile(times, 50).toFixed(2)),
      cellRoundTripP95Ms: Number(percentile(times, 95).toFixed(2)),
    };
  } finally {
    shell.close();
    iopub.close();
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
