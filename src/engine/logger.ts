// Run logs: getRunLogger() inside a task or flow, and logPrints, which copies console.* into the run's logs.

import { format } from "node:util";
import type { LogRecord } from "../core/records.js";
import { currentContext } from "./context.js";
import { getEngine } from "./engine.js";
import { globalSingleton } from "./global.js";
import { redact } from "../core/redaction.js";

export { addSecret, redact, redactions } from "../core/redaction.js";

export interface RunLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

type Level = LogRecord["level"];

function emit(level: Level, message: string, flowRunId: string | null, taskRunId: string | null): void {
  getEngine().log({ flowRunId: flowRunId ?? "", taskRunId, level, message: redact(message), timestamp: Date.now() });
}

/**
 * A logger writing to the current run's logs (and to stderr).
 * @example getRunLogger().info("fetched %d rows", rows.length)
 */
export function getRunLogger(): RunLogger {
  const ctx = currentContext();
  const flowRunId = ctx?.flow?.record.id ?? null;
  const taskRunId = ctx?.task?.record.id ?? null;
  const make = (level: Level) => (...args: unknown[]) => {
    const message = format(...args);
    if (flowRunId || taskRunId) emit(level, message, flowRunId, taskRunId);
    else process.stderr.write(`${level}: ${redact(message)}\n`);
  };
  return { debug: make("debug"), info: make("info"), warn: make("warning"), error: make("error") };
}

/** Log to a specific run from engine code (retries, cache decisions) without a context lookup. */
export function engineLog(level: Level, message: string, flowRunId: string | null, taskRunId: string | null): void {
  emit(level, message, flowRunId, taskRunId);
}

const CONSOLE_LEVELS: Array<[keyof Console, Level]> = [
  ["log", "info"],
  ["info", "info"],
  ["debug", "debug"],
  ["warn", "warning"],
  ["error", "error"],
];

/** Patch console once per process: calls inside a run with logPrints also go to that run's logs. */
export function installPrintCapture(): void {
  const state = globalSingleton("printCapture", () => ({ installed: false }));
  if (state.installed) return;
  state.installed = true;
  for (const [method, level] of CONSOLE_LEVELS) {
    const original = (console[method] as (...args: unknown[]) => void).bind(console);
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      original(...args);
      const ctx = currentContext();
      const logPrints = ctx?.task ? ctx.task.logPrints : ctx?.flow?.logPrints;
      if (logPrints && ctx) emit(level, format(...args), ctx.flow?.record.id ?? null, ctx.task?.record.id ?? null);
    };
  }
}
