// Worker thread owning the heartbeat and control sockets, so both answer while a cell blocks the main thread.
// Jobs: echo heartbeats; answer interrupt_request (by sending SIGINT to this process), shutdown_request and
// kernel_info_request; forward any other control request to the main thread, and send what it replies; shut the
// kernel down when its parent process is gone (here, so a cell blocking the main thread cannot stop it).

import { parentPort, workerData } from "node:worker_threads";
import { Reply, Router } from "zeromq";
import type { ConnectionInfo } from "./connection.js";
import { interruptMainThread } from "./interrupt.js";
import { kernelLog } from "./log.js";
import { watchParent } from "./parent-poller.js";
import { bindChannel, SendQueue } from "./sockets.js";
import { decode, encode, refused, replyTo, Signer, type Content } from "./wire.js";

/** What the main thread hands the worker. */
export interface ControlWorkerData {
  info: ConnectionInfo;
  session: string;
  kernelInfo: Content;
  /** The interrupt state the main thread publishes (kernel/interrupt.ts): busy, and its synchronous cell runs. */
  interrupts: SharedArrayBuffer;
  /** How long to wait for the main thread to exit after a shutdown before forcing it. */
  shutdownGraceMs: number;
  /** Shut down when the parent process is gone. */
  watchParent: boolean;
}

/** Messages from the worker to the main thread. */
export type WorkerToMain =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "shutdown"; restart: boolean }
  | { type: "control"; frames: Uint8Array[] };

/** Messages from the main thread to the worker. */
export type MainToWorker = { type: "send"; frames: Uint8Array[] } | { type: "close" };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("control-worker.js must run in a worker thread");
  const data = workerData as ControlWorkerData;
  const signer = new Signer(data.info.key);
  const interrupts = new Int32Array(data.interrupts);
  const post = (message: WorkerToMain) => port.postMessage(message);

  const hb = new Reply({ linger: 0 });
  const control = new Router({ linger: 500 });
  const controlOut = new SendQueue(control, (e) => kernelLog(`control send failed: ${String(e)}`));
  try {
    await bindChannel(hb, data.info, "hb");
    await bindChannel(control, data.info, "control");
  } catch (error) {
    post({ type: "error", message: (error as Error).message });
    return;
  }
  post({ type: "ready" });

  const shutdown = (restart: boolean): void => {
    post({ type: "shutdown", restart });
    interruptMainThread(interrupts);
    // A main thread stuck beyond an interrupt's reach must not outlive its shutdown.
    setTimeout(() => process.kill(process.pid, "SIGTERM"), data.shutdownGraceMs).unref();
  };
  if (data.watchParent) {
    watchParent(() => {
      kernelLog("the parent process is gone: shutting down");
      shutdown(false);
    });
  }

  let closing = false;
  port.on("message", (message: MainToWorker) => {
    if (message.type === "send") {
      void controlOut.send(message.frames.map((f) => Buffer.from(f)));
    } else if (message.type === "close") {
      closing = true;
      void controlOut.drain().then(() => {
        hb.close();
        control.close();
        port.close();
      });
    }
  });

  const heartbeat = async () => {
    try {
      for await (const frames of hb) await hb.send(frames);
    } catch (error) {
      if (!closing) kernelLog(`heartbeat stopped: ${(error as Error).message}`);
    }
  };

  const serveControl = async () => {
    try {
      for await (const frames of control) {
        const message = decode(frames, signer);
        if (refused(message)) {
          kernelLog(`dropped a control message: ${message.refused}`);
          continue;
        }
        const reply = (type: string, content: Content) => controlOut.send(encode(replyTo(message, type, content, data.session), signer));
        switch (message.header.msg_type) {
          case "interrupt_request":
            // breakOnSigint in the cell runtime turns this into an interrupted cell; when the main
            // thread is awaiting, its SIGINT listener ends the wait instead (kernel/interrupt.ts: when to send it).
            interruptMainThread(interrupts);
            await reply("interrupt_reply", { status: "ok" });
            break;
          case "shutdown_request": {
            const restart = message.content.restart === true;
            await reply("shutdown_reply", { status: "ok", restart });
            shutdown(restart);
            break;
          }
          case "kernel_info_request":
            await reply("kernel_info_reply", data.kernelInfo);
            break;
          default:
            post({ type: "control", frames: frames.map((f) => new Uint8Array(f)) });
        }
      }
    } catch (error) {
      if (!closing) kernelLog(`control channel stopped: ${(error as Error).message}`);
    }
  };

  await Promise.all([heartbeat(), serveControl()]);
}

main().catch((error: unknown) => {
  kernelLog(`control worker failed: ${(error as Error).stack ?? String(error)}`);
  parentPort?.postMessage({ type: "error", message: (error as Error).message } satisfies WorkerToMain);
});
