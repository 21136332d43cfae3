// Typed errors: every error Cellflow raises names the offending thing and says the fix.

import { redact } from "./redaction.js";

export type ErrorCode =
  | "BAD_DURATION"
  | "BAD_PARAMETERS"
  | "BAD_OPTION"
  | "UNKNOWN_FLOW"
  | "UNKNOWN_RUN"
  | "MODULE_LOAD"
  | "WAITFOR_CYCLE"
  | "NOT_RERUNNABLE"
  | "RUN_CLAIMED"
  | "KERNEL"
  | "STORE"
  | "NOTEBOOK"
  | "CELL"
  | "SCHEDULE"
  | "DEPLOYMENT"
  | "BLOCK"
  | "DISTRIBUTED"
  | "USAGE";

export class CellflowError extends Error {
  readonly code: ErrorCode;
  /** What to do about it, one short sentence. */
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint = "", options?: { cause?: unknown }) {
    super(hint ? `${message} — ${hint}` : message, options);
    this.name = "CellflowError";
    this.code = code;
    this.hint = hint;
  }
}

/** An error as data, so every front end renders it the same way. */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** Rewrites stacks of code that runs in notebook cells to the cells' own lines (installed by the cell runtime). */
export type StackRewriter = (stack: string) => string;
const rewriters = ((globalThis as Record<symbol, unknown>)[Symbol.for("cellflow.stackRewriters")] ??= new Set<StackRewriter>()) as Set<StackRewriter>;

/** Install a stack rewriter every ErrorInfo goes through; returns a function that removes it. */
export function addStackRewriter(rewrite: StackRewriter): () => void {
  rewriters.add(rewrite);
  return () => rewriters.delete(rewrite);
}

const MAPPED = Symbol.for("cellflow.stackMapped");

/** Mark an error whose stack already points at cell lines, so it is not mapped twice. */
export function markStackMapped<E extends Error>(error: E): E {
  (error as unknown as Record<symbol, boolean>)[MAPPED] = true;
  return error;
}

export function rewriteStack(stack: string): string {
  for (const rewrite of rewriters) {
    try {
      stack = rewrite(stack);
    } catch {
      // a stack is shown as it is rather than not at all
    }
  }
  return stack;
}

/** An error as data, with loaded secrets masked in its message and stack (it is stored, shown and sent). */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const info: ErrorInfo = { name: redact(String(error.name)), message: redact(String(error.message)) };
    if (error.stack) info.stack = redact((error as unknown as Record<symbol, unknown>)[MAPPED] ? error.stack : rewriteStack(error.stack));
    if (error instanceof CellflowError) info.code = error.code;
    return info;
  }
  return { name: "Error", message: redact(typeof error === "string" ? error : safeString(error)) };
}

export function describeError(info: ErrorInfo): string {
  return info.name && info.name !== "Error" ? `${info.name}: ${info.message}` : info.message;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
