// Type checks off the main thread: a cell runs while it is checked (its type errors still reach it before it ends),
// and the compiler loads and warms up beside the kernel instead of in front of the first cell. The checker runs in a
// process started from its startup snapshot (type-check-process.ts), which begins warm, when the snapshot is built;
// else on a worker thread, and the snapshot is built in the background for the next start. Where no worker can start
// (the TypeScript sources run under vitest) or the worker died, cells are checked on this thread. Light to import
// (the compiler loads elsewhere, or here only for that fallback): the kernel starts it first thing.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { blobFailed, buildCheckerSnapshot, checkerSnapshot, discardBlob, startCheckerProcess, type CheckerSnapshot } from "./type-check-process.js";
import type { CellDeclarations } from "./declarations.js";
import type { CellDiagnostic, CellTypeChecker } from "./type-check.js";

/** A check the worker is asked for; `declarations` only when they changed since the last request. */
export interface CheckRequest {
  id: number;
  code: string;
  cellId: number | string;
  declarations?: CellDeclarations;
}

/** `reusable`: the result holds for the same cell and declarations later (see CellTypeChecker.lastCheckReusable). */
export type CheckReply = { id: number; diagnostics: CellDiagnostic[]; reusable: boolean } | { id: number; error: string };

export interface TypeCheckWorkerData {
  cwd: string;
}

interface Pending {
  declarations: CellDeclarations;
  code: string;
  cellId: number | string;
  resolve(diagnostics: CellDiagnostic[]): void;
  reject(error: Error): void;
}

/** What checks are sent to: the snapshot's process or the worker thread. */
interface Checker {
  post(request: CheckRequest): void;
  /** Keeps this process alive while a check is pending; an idle checker must not. */
  ref(): void;
  unref(): void;
}

/** Where checks run: in a process started from the snapshot, on a worker thread, on this thread, or not started. */
export type CheckerPlace = "process" | "thread" | "main" | "none";

const WORKER = new URL("./type-check-worker.js", import.meta.url);
/** How many results of one set of declarations are kept for cells run again unchanged. */
const REMEMBERED = 256;

/**
 * One checker per session, on its own thread.
 * @example
 * const thread = new TypeCheckThread(cwd);
 * thread.start(); // at kernel start: the compiler loads meanwhile
 * const found = thread.check(history.asModule(), code, 3); // while the cell runs
 */
export class TypeCheckThread {
  /** undefined: not started; null: checking on this thread. */
  private checker: Checker | null | undefined;
  private place: CheckerPlace = "none";
  /** The startup snapshot, when snapshots are on: built, or to build once the thread has warmed up. */
  private snapshot: CheckerSnapshot | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private sent: CellDeclarations | undefined;
  private local: CellTypeChecker | undefined;
  /**
   * Results by cell source, for the declarations `rememberedFor`: a cell run again unchanged against the same
   * declarations is not checked again (a new check would build the same program from the same files). Emptied when
   * the declarations change and when a check found an unresolved module (every module is resolved afresh then).
   */
  private readonly remembered = new Map<string, CellDiagnostic[]>();
  private rememberedFor: CellDeclarations | undefined;
  private building = false;
  /** Resolves once the background build of the snapshot this checker started has ended (at once if none). */
  snapshotBuilt: Promise<void> = Promise.resolve();

  /** `onFallback` hears why checks moved to this thread (the kernel logs it). */
  constructor(
    private readonly cwd: string,
    private readonly onFallback: (reason: string) => void = () => {},
  ) {}

  /**
   * Starts the checker: a process from the startup snapshot if one is built, else the worker thread, which loads the
   * compiler's libraries at once (and the cellflow API's declarations once idle).
   */
  start(): void {
    if (this.checker !== undefined) return;
    this.snapshot = checkerSnapshot();
    if (this.snapshot && existsSync(this.snapshot.blob)) this.startProcess(this.snapshot.blob);
    else this.startThread();
  }

  /** Where checks run now. */
  get runsIn(): CheckerPlace {
    return this.place;
  }

  /** Whether checks run off this thread (false: on this thread, or not started yet). */
  get threaded(): boolean {
    return this.checker != null;
  }

  private startProcess(blob: string): void {
    const child = startCheckerProcess(blob, this.cwd);
    let answered = false;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    this.use("process", {
      post: (request) => child.send(request),
      ref: () => {
        child.ref();
        child.channel?.ref();
      },
      unref: () => {
        child.unref();
        child.channel?.unref();
        (child.stderr as { unref?: () => void } | null)?.unref?.();
      },
    });
    child.on("message", (reply: CheckReply) => {
      answered = true;
      this.settle(reply);
    });
    const failed = (why: string) => {
      if (this.place !== "process") return;
      this.onFallback(`the type-check process ${why}; checking on a thread`);
      this.startThread();
    };
    child.on("error", (error) => failed(`failed (${error.message})`));
    child.on("exit", (code, signal) => {
      // One that never answered and crashed or refused: the blob is unusable (another Node build, or damaged).
      if (!answered && blobFailed(code, signal)) discardBlob(blob);
      failed(`exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split("\n")[0]}` : ""}`);
    });
  }

  private startThread(): void {
    if (!existsSync(fileURLToPath(WORKER))) {
      this.checkHere();
      return;
    }
    // No inherited flags: `--input-type` (node -e) refuses to load the worker's file, and the checker needs none.
    const worker = new Worker(WORKER, { workerData: { cwd: this.cwd } satisfies TypeCheckWorkerData, execArgv: [] });
    this.use("thread", { post: (request) => worker.postMessage(request), ref: () => worker.ref(), unref: () => worker.unref() });
    worker.on("message", (reply: CheckReply) => this.settle(reply));
    worker.on("error", (error) => this.fellBack(`the type-check thread failed (${error.message}); checking on the main thread`));
    worker.on("exit", (code) => this.fellBack(`the type-check thread exited (code ${code}); checking on the main thread`));
  }

  /** From now on checks go to `checker`: the ones the previous one had not answered first, in their order. */
  private use(place: CheckerPlace, checker: Checker): void {
    this.checker = checker;
    this.place = place;
    this.sent = undefined;
    if (this.pending.size === 0) checker.unref();
    for (const [id, p] of this.pending) this.post(checker, id, p.declarations, p.code, p.cellId);
  }

  private post(checker: Checker, id: number, declarations: CellDeclarations, code: string, cellId: number | string): void {
    checker.post({ id, code, cellId, ...(this.sent === declarations ? {} : { declarations }) });
    this.sent = declarations;
  }

  /** The type errors of `code` run after the cells whose declarations are `declarations`. */
  check(declarations: CellDeclarations, code: string, cellId: number | string): Promise<CellDiagnostic[]> {
    this.start();
    if (this.rememberedFor !== declarations) {
      this.remembered.clear();
      this.rememberedFor = declarations;
    }
    // Only with no check under way: one that is may find an unresolved module, which voids what is remembered.
    const known = this.pending.size === 0 ? this.remembered.get(code) : undefined;
    if (known) return Promise.resolve(known.map((d) => ({ ...d, cell: cellId })));
    const checker = this.checker;
    if (!checker) return this.checkLocally(declarations, code, cellId);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) checker.ref();
      this.pending.set(id, { declarations, code, cellId, resolve, reject });
      this.post(checker, id, declarations, code, cellId);
    });
  }

  private settle(reply: CheckReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.checker?.unref();
    if ("error" in reply) waiting.reject(new Error(reply.error));
    else {
      // Checks run on the thread because there was no snapshot: build it now that the thread is warm, for next time.
      if (this.place === "thread" && this.snapshot && !this.building) {
        this.building = true;
        if (!existsSync(this.snapshot.blob)) this.snapshotBuilt = buildCheckerSnapshot(this.snapshot);
      }
      this.remember(waiting.declarations, waiting.code, reply.diagnostics, reply.reusable);
      waiting.resolve(reply.diagnostics);
    }
  }

  private remember(declarations: CellDeclarations, code: string, diagnostics: CellDiagnostic[], reusable: boolean): void {
    if (!reusable) this.remembered.clear();
    else if (declarations === this.rememberedFor) {
      if (this.remembered.size >= REMEMBERED) this.remembered.clear();
      this.remembered.set(code, diagnostics);
    }
  }

  private fellBack(reason: string): void {
    if (this.place !== "thread") return;
    this.onFallback(reason);
    this.checkHere();
  }

  /** From now on checks run on this thread, the ones the worker had not answered first. */
  private checkHere(): void {
    this.checker = null;
    this.place = "main";
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) this.checkLocally(p.declarations, p.code, p.cellId).then(p.resolve, p.reject);
  }

  private async checkLocally(declarations: CellDeclarations, code: string, cellId: number | string): Promise<CellDiagnostic[]> {
    this.local ??= new (await import("./type-check.js")).CellTypeChecker(this.cwd);
    const diagnostics = this.local.check(declarations, code, cellId);
    this.remember(declarations, code, diagnostics, this.local.lastCheckReusable);
    return diagnostics;
  }
}
