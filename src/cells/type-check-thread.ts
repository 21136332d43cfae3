// Type checks on a worker thread: a cell runs while it is checked (its type errors still reach it before it ends),
// and the compiler loads and warms up beside the kernel instead of in front of the first cell. Where no worker can
// start (the TypeScript sources run under vitest) or the worker died, cells are checked on this thread. Light to
// import (the compiler loads on the worker, or here only for that fallback): the kernel starts it first thing.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
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
  private worker: Worker | null | undefined;
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

  /** `onFallback` hears why checks moved to this thread (the kernel logs it). */
  constructor(
    private readonly cwd: string,
    private readonly onFallback: (reason: string) => void = () => {},
  ) {}

  /** Starts the worker, which loads the compiler's libraries (and the cellflow API's declarations) at once. */
  start(): void {
    if (this.worker !== undefined) return;
    if (!existsSync(fileURLToPath(WORKER))) {
      this.worker = null;
      return;
    }
    // No inherited flags: `--input-type` (node -e) refuses to load the worker's file, and the checker needs none.
    const worker = new Worker(WORKER, { workerData: { cwd: this.cwd } satisfies TypeCheckWorkerData, execArgv: [] });
    // An idle checker must not keep the process alive; it is referenced while a check is pending.
    worker.unref();
    worker.on("message", (reply: CheckReply) => this.settle(reply));
    worker.on("error", (error) => this.checkHere(`the type-check thread failed (${error.message}); checking on the main thread`));
    worker.on("exit", (code) => this.checkHere(`the type-check thread exited (code ${code}); checking on the main thread`));
    this.worker = worker;
  }

  /** Whether checks run on the worker (false: on this thread, or not started yet). */
  get threaded(): boolean {
    return this.worker != null;
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
    const worker = this.worker;
    if (!worker) return this.checkLocally(declarations, code, cellId);
    const id = ++this.nextId;
    const request: CheckRequest = { id, code, cellId, ...(this.sent === declarations ? {} : { declarations }) };
    this.sent = declarations;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { declarations, code, cellId, resolve, reject });
      worker.postMessage(request);
    });
  }

  private settle(reply: CheckReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ("error" in reply) waiting.reject(new Error(reply.error));
    else {
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

  /** From now on checks run on this thread, the ones the worker had not answered first. */
  private checkHere(reason: string): void {
    if (this.worker === null) return;
    this.worker = null;
    this.onFallback(reason);
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
