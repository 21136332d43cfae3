// An error record as text, the way the terminal shows it: name, message, then the stack's user frames.

import type { ErrorInfo } from "../shared/api-types.js";

export function describeErrorInfo(e: ErrorInfo): string {
  const head = `${e.name}: ${e.message}`;
  if (!e.stack) return head;
  const frames = e.stack.split("\n").filter((l) => l.trim().startsWith("at ")).slice(0, 8);
  return [head, ...frames].join("\n");
}
