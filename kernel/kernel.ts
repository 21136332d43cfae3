// The kernel process's main thread: shell/iopub/stdin sockets, request dispatch, busy/idle, streams and display.
// Jobs: bind the main-thread sockets and start the control worker; decode and verify each request and run its
// handler between busy and idle; route cell stdout/stderr and display() output to iopub; interrupts and shutdown.

import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import { Publisher, Router } from "zeromq";
import { currentDisplaySink, installDisplaySink, type DisplaySink } from "../src/display/sink.js";
import { createCellRuntime, type CellExecutor } from "./cell-executor.js";
import type { ConnectionInfo } from "./connection.js";
import type { ControlWorkerData, MainToWorker, WorkerToMain } from "./control-worker.js";
import { dispatch } from "./handlers/index.js";
import { History } from "./history.js";
import { interruptState, setBusy, syncRunWatcher } from "./interrupt.js";
import { installSyncRunWatcher } from "../src/cells/sync-run.js";
import { catchStrayErrors } from "../src/cells/stray-errors.js";
import { kernelInfoContent } from "./kernel-info.js";
import { kernelLog } from "./log.js";
import { bindChannel, SendQueue } from "./sockets.js";
import { StreamCapture } from "./streams.js";
import { CellflowError } from "../src/core/errors.js";
import { decode, encode, makeHeader, refused, replyTo, Signer, type Content, type Message } from "./wire.js";

/** Options for {@link startKernel}. */
export interface KernelOptions {
  /**
   * Creates what runs cells (called once, on the first request that needs it).
   * @default the Cellflow cell runtime in `cwd`
   */
  executor?: (cwd: string) => Promise<CellExecutor> | CellExecutor;
  /**
   * Directory cells run in (Jupyter starts kernels in the notebook's folder).
   * @default process.cwd()
   */
  cwd?: string;
  /**
   * Exit the process once a shutdown request has been answered and the sockets are closed.
   * @default true
   */
  exitOnShutdown?: boolean;
  /**
   * Exit when the process that started the kernel is gone (JPY_PARENT_PID, else the parent at start), as
   * ipykernel does.
   * @default true
   */
  watchParent?: boolean;
  /**
   * After a shutdown request, how long a stuck main thread gets before the process is terminated.
   * @default 3000
   */
  shutdownGraceMs?: number;
}

/** Sends a reply on the channel the request came from. */
export type Respond = (msgType: string, content: Content) => Promise<void>;

/** The state handlers share. */
export class Kernel {
  readonly session = randomUUID();
  readonly signer: Signer;
  readonly history = new History();
  readonly kernelInfo = kernelInfoContent();
  readonly cwd: string;
  executionCount = 0;
  /** The request whose cell output is being produced (streams and display go to it). */
  outputParent: Message | undefined;
  /** Requests that were already queued when a cell failed with stop_on_error: answered "aborted". */
  private toAbort: Buffer[][] = [];

  private readonly shell = new Router({ linger: 0 });
  private readonly iopub = new Publisher({ linger: 1000 });
  private readonly stdin = new Router({ linger: 0 });
  private readonly shellOut: SendQueue;
  private readonly iopubOut: SendQueue;
  /** Shared with the control worker: whether a request runs, and when a cell's synchronous part does. */
  private readonly interrupts = interruptState();
  private worker: Worker | undefined;
  private streams: StreamCapture | undefined;
  private previousSink: DisplaySink | undefined;
  private executorPromise: Promise<CellExecutor> | undefined;
  private interruptListeners = new Set<() => void>();
  private releaseStrayErrors = () => {};
  private busyDepth = 0;
  private closing = false;
  private resolveClosed!: (value: { restart: boolean }) => void;
  /** Resolves after shutdown, with whether the client asked for a restart. */
  readonly closed = new Promise<{ restart: boolean }>((resolve) => (this.resolveClosed = resolve));

  constructor(
    readonly connection: ConnectionInfo,
    private readonly options: KernelOptions = {},
  ) {
    this.signer = new Signer(connection.key);
    this.cwd = options.cwd ?? process.cwd();
    const log = (what: string) => (e: unknown) => kernelLog(`${what} send failed: ${String(e)}`);
    this.shellOut = new SendQueue(this.shell, log("shell"));
    this.iopubOut = new SendQueue(this.iopub, log("iopub"));
  }

  /**
   * Binds every channel, starts the control worker and begins serving requests. Shell requests are served as soon as
   * the main thread's channels are bound: the control worker boots a Node environment of its own (0.1–0.35 s of wall
   * time here, on another thread), and a client's control requests wait in its queue until that channel is bound.
   * Resolves once the worker is ready; if it fails, the kernel stops serving and the promise rejects.
   */
  async start(): Promise<void> {
    if (!this.signer.enabled) kernelLog("the connection file has no key: messages are not authenticated");
    const workerReady = this.startWorker();
    // Handled below (after the shell channel is served); without this, a worker failing before then is unhandled.
    workerReady.catch(() => {});
    await Promise.all([
      bindChannel(this.shell, this.connection, "shell"),
      bindChannel(this.iopub, this.connection, "iopub"),
      bindChannel(this.stdin, this.connection, "stdin"),
    ]);
    this.streams = new StreamCapture((name, text) => this.publishOutput("stream", { name, text }));
    this.previousSink = installDisplaySink(this.displaySink());
    // A throw in a callback a cell left behind, or a rejection no one handles, shows under the cell that is running
    // (or ran last) and in the kernel's log; the kernel and its variables live on.
    this.releaseStrayErrors = catchStrayErrors((text) => {
      kernelLog(`caught what no cell did:\n${text.trimEnd()}`);
      process.stderr.write(text);
    });
    process.on("SIGINT", this.onSigint);
    // A SIGINT the control worker sent as a cell's synchronous part ended, which Node then dropped, is delivered here.
    installSyncRunWatcher(syncRunWatcher(this.interrupts, () => process.emit("SIGINT", "SIGINT")));
    void this.serveShell();
    void this.publish("status", { execution_state: "starting" }, undefined);
    try {
      await workerReady;
    } catch (error) {
      this.stopServing();
      throw error;
    }
  }

  /** Takes back stdout, stderr, display and SIGINT, and closes the main thread's channels (a failed start). */
  private stopServing(): void {
    this.closing = true;
    process.off("SIGINT", this.onSigint);
    this.releaseStrayErrors();
    installSyncRunWatcher(undefined);
    this.streams?.restore();
    if (currentDisplaySink()) installDisplaySink(this.previousSink);
    this.shell.close();
    this.stdin.close();
    this.iopub.close();
  }

  private startWorker(): Promise<void> {
    const data: ControlWorkerData = {
      info: this.connection,
      session: this.session,
      kernelInfo: this.kernelInfo,
      interrupts: this.interrupts.buffer as SharedArrayBuffer,
      shutdownGraceMs: this.options.shutdownGraceMs ?? 3000,
      watchParent: this.options.watchParent ?? true,
    };
    const worker = new Worker(new URL("./control-worker.js", import.meta.url), { workerData: data });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      worker.on("message", (message: WorkerToMain) => {
        switch (message.type) {
          case "ready":
            resolve();
            break;
          case "error":
            // Binding the control or heartbeat channel failed: the caller reports it as one line.
            reject(new CellflowError("KERNEL", `control worker: ${message.message}`));
            break;
          case "shutdown":
            void this.shutdown(message.restart);
            break;
          case "control":
            void this.onControl(message.frames.map((f) => Buffer.from(f)));
            break;
        }
      });
      worker.on("error", (error) => {
        kernelLog(`control worker crashed: ${error.stack ?? error.message}`);
        reject(error);
      });
    });
  }

  private async serveShell(): Promise<void> {
    try {
      for await (const frames of this.shell) {
        await this.onShell(frames, false);
        for (const queued of this.toAbort.splice(0)) await this.onShell(queued, true);
      }
    } catch (error) {
      if (!this.closing) kernelLog(`shell channel stopped: ${(error as Error).message}`);
    }
  }

  private async onShell(frames: Buffer[], aborting: boolean): Promise<void> {
    const message = decode(frames, this.signer);
    if (refused(message)) {
      kernelLog(`dropped a shell message: ${message.refused}`);
      return;
    }
    const respond: Respond = async (type, content) => {
      await this.drainOutput();
      await this.shellOut.send(encode(replyTo(message, type, content, this.session), this.signer));
    };
    if (aborting && message.header.msg_type === "execute_request") {
      await this.publish("status", { execution_state: "busy" }, message);
      await respond("execute_reply", { status: "aborted", execution_count: this.executionCount });
      await this.publish("status", { execution_state: "idle" }, message);
      return;
    }
    await this.handle(message, respond);
  }

  private async onControl(frames: Buffer[]): Promise<void> {
    const message = decode(frames, this.signer);
    if (refused(message)) return; // the worker verified it; a replay check refuses the second decode
    const respond: Respond = async (type, content) => {
      const reply = encode(replyTo(message, type, content, this.session), this.signer);
      this.worker?.postMessage({ type: "send", frames: reply.map((f) => new Uint8Array(f)) } satisfies MainToWorker);
    };
    await this.handle(message, respond);
  }

  private async handle(message: Message, respond: Respond): Promise<void> {
    await this.publish("status", { execution_state: "busy" }, message);
    try {
      const handled = await dispatch(this, message, respond);
      if (!handled) kernelLog(`no handler for ${message.header.msg_type}; ignored`);
    } catch (error) {
      kernelLog(`${message.header.msg_type} failed: ${(error as Error).stack ?? String(error)}`);
    } finally {
      await this.drainOutput();
      await this.publish("status", { execution_state: "idle" }, message);
      this.executorPromise ??= this.loadExecutor(); // warm up once the first request is answered
    }
  }

  /** Publishes an iopub message with `parent` as its parent header. */
  publish(msgType: string, content: Content, parent: Message | undefined): Promise<void> {
    const topic = Buffer.from(`kernel.${this.session}.${msgType}`);
    const outgoing = parent
      ? replyTo(parent, msgType, content, this.session, [topic])
      : { identities: [topic], header: makeHeader(msgType, this.session), parent_header: {}, metadata: {}, content };
    return this.iopubOut.send(encode(outgoing, this.signer));
  }

  /** Publishes cell output (stream, display) to the request that is producing it, after earlier captured text. */
  publishOutput(msgType: string, content: Content): Promise<void> {
    if (msgType !== "stream") this.streams?.flush();
    return this.publish(msgType, content, this.outputParent);
  }

  /** Sends everything captured and queued so far. */
  async drainOutput(): Promise<void> {
    this.streams?.flush();
    await this.iopubOut.drain();
  }

  private displaySink(): DisplaySink {
    return {
      display: (o) => void this.publishOutput("display_data", { data: o.data, metadata: o.metadata, transient: { display_id: o.displayId } }),
      update: (o) => void this.publishOutput("update_display_data", { data: o.data, metadata: o.metadata, transient: { display_id: o.displayId } }),
      clear: ({ wait }) => void this.publishOutput("clear_output", { wait }),
    };
  }

  private loadExecutor(): Promise<CellExecutor> {
    const create = this.options.executor ?? createCellRuntime;
    return Promise.resolve(create(this.cwd));
  }

  /** The cell executor (created on first use). */
  executor(): Promise<CellExecutor> {
    this.executorPromise ??= this.loadExecutor();
    return this.executorPromise;
  }

  /**
   * Marks the main thread busy (the control worker interrupts only then) and back; nested calls count (a cell's user
   * expressions run while its type errors are awaited), so it is idle again after as many `false` as `true`.
   */
  setBusy(busy: boolean): void {
    this.busyDepth = Math.max(0, this.busyDepth + (busy ? 1 : -1));
    setBusy(this.interrupts, this.busyDepth > 0);
  }

  /** Calls `listener` on the next SIGINT until the returned function is called. */
  onInterrupt(listener: () => void): () => void {
    this.interruptListeners.add(listener);
    return () => this.interruptListeners.delete(listener);
  }

  // Installed for the kernel's lifetime: a SIGINT while idle or awaiting must not kill the kernel.
  // (While a cell runs synchronously, the runtime's breakOnSigint takes the signal instead.)
  private readonly onSigint = (): void => {
    for (const listener of [...this.interruptListeners]) listener();
  };

  /**
   * Takes the shell requests already waiting so they are answered "aborted" after the current one
   * (called by a failed execution with stop_on_error, before it replies: whatever is queued then was
   * sent before the client could know of the failure).
   */
  async abortQueuedRequests(): Promise<void> {
    while (this.shell.readable) this.toAbort.push(await this.shell.receive());
  }

  /** Stops serving, closes every socket and the worker; exits the process unless told not to. */
  async shutdown(restart = false): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    process.off("SIGINT", this.onSigint);
    this.releaseStrayErrors();
    installSyncRunWatcher(undefined);
    this.streams?.restore();
    if (currentDisplaySink()) installDisplaySink(this.previousSink);
    await this.iopubOut.drain();
    await this.shellOut.drain();
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage({ type: "close" } satisfies MainToWorker);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      await worker.terminate();
    }
    this.shell.close();
    this.stdin.close();
    this.iopub.close();
    this.resolveClosed({ restart });
    if (this.options.exitOnShutdown ?? true) process.exit(0);
  }
}
