// execute_request: runs a cell, publishes its input, output, result or error, and replies.

import { formatResult } from "../../src/display/format.js";
import { interruptedError, type CellError, type CellExecutor, type ExecutedCell, type PendingOutput } from "../cell-executor.js";
import type { Kernel, Respond } from "../kernel.js";
import type { Content, Message } from "../wire.js";
import { traceback } from "./traceback.js";

interface ExecuteContent {
  code?: unknown;
  silent?: unknown;
  store_history?: unknown;
  user_expressions?: unknown;
  stop_on_error?: unknown;
}

/** Runs the cell; an interrupt (SIGINT or interrupt_request) that arrives while it awaits ends the wait. */
async function runInterruptible(kernel: Kernel, executor: CellExecutor, code: string, cell: number | string): Promise<ExecutedCell> {
  return interruptible(kernel, executor.run(code, cell), () => ({ ok: false, error: interruptedError(cell) }));
}

/**
 * Starts waiting for what the cell still sends (its type errors while its check goes on), listening for interrupts
 * from now on: before the reply goes out, so an interrupt its client sends on seeing it is not missed. `settled()`
 * resolves once that output is sent, or at an interrupt, after which nothing more of the cell is sent (it must not
 * land under the next cell); the caller's idle status follows.
 */
function awaitPending(kernel: Kernel, pending: PendingOutput | undefined): { settled(): Promise<void> } {
  if (!pending) return { settled: () => Promise.resolve() };
  const finished = interruptible(kernel, pending.done.then(() => true), () => false);
  return {
    settled: async () => {
      if (!(await finished)) pending.drop();
    },
  };
}

/** `work`, or `onInterrupt()` when an interrupt arrives first. The main thread counts as busy meanwhile. */
async function interruptible<T>(kernel: Kernel, work: Promise<T>, onInterrupt: () => T): Promise<T> {
  let stopListening = () => {};
  const interrupted = new Promise<T>((resolve) => {
    stopListening = kernel.onInterrupt(() => resolve(onInterrupt()));
  });
  kernel.setBusy(true);
  try {
    return await Promise.race([work, interrupted]);
  } finally {
    kernel.setBusy(false);
    stopListening();
  }
}

function errorContent(error: CellError): { ename: string; evalue: string; traceback: string[] } {
  return { ename: error.name, evalue: error.message, traceback: traceback(error) };
}

async function userExpressions(kernel: Kernel, executor: CellExecutor, expressions: unknown): Promise<Content> {
  const result: Content = {};
  if (typeof expressions !== "object" || expressions === null) return result;
  for (const [name, expression] of Object.entries(expressions)) {
    if (typeof expression !== "string") continue;
    const outcome = await runInterruptible(kernel, executor, expression, `user_expressions.${name}`);
    await awaitPending(kernel, outcome.pending).settled();
    result[name] = outcome.ok
      ? { status: "ok", data: formatResult(outcome.value), metadata: {} }
      : { status: "error", ...errorContent(outcome.error) };
  }
  return result;
}

/** Handles execute_request. */
export async function executeRequest(kernel: Kernel, message: Message, respond: Respond): Promise<void> {
  const content = message.content as ExecuteContent;
  const code = typeof content.code === "string" ? content.code : "";
  const silent = content.silent === true;
  const store = !silent && content.store_history !== false;
  if (store) {
    kernel.executionCount++;
    kernel.history.add(kernel.executionCount, code);
  }
  const count = kernel.executionCount;
  kernel.outputParent = message;
  if (!silent) await kernel.publish("execute_input", { code, execution_count: count }, message);

  let executor: CellExecutor;
  try {
    executor = await kernel.executor();
  } catch (error) {
    const failure = { ename: "KernelError", evalue: `the cell runtime failed to load: ${(error as Error).message}`, traceback: [String((error as Error).stack ?? error)] };
    await kernel.publishOutput("error", failure);
    await respond("execute_reply", { status: "error", execution_count: count, ...failure });
    return;
  }

  const outcome = await runInterruptible(kernel, executor, code, store ? count : "silent");
  const pending = awaitPending(kernel, outcome.pending);
  if (!outcome.ok) {
    // A failing cell's type errors come before its error (they may well explain it), as they always did.
    await pending.settled();
    const failure = errorContent(outcome.error);
    if (!silent) await kernel.publishOutput("error", failure);
    if (content.stop_on_error !== false) await kernel.abortQueuedRequests();
    await respond("execute_reply", { status: "error", execution_count: count, ...failure });
    return;
  }
  if (!silent && outcome.hasValue && outcome.value !== undefined) {
    const data = formatResult(outcome.value);
    if (store) kernel.history.setOutput(count, data["text/plain"]);
    await kernel.publishOutput("execute_result", { execution_count: count, data, metadata: {} });
  }
  const expressions = await userExpressions(kernel, executor, content.user_expressions);
  await respond("execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: expressions });
  // Its type errors (under %typecheck warn, while the check goes on) follow the reply, before idle: a client takes a
  // request's output until its idle status, and the next request is not started before then.
  await pending.settled();
}
