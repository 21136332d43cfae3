// Flow parameters: validated and coerced by the flow's zod schema before a run starts.

import type { ZodType } from "zod";
import { CellflowError } from "../core/errors.js";
import { echo } from "../core/input-bounds.js";

/** Validate parameters against a schema; the error names the parameter, what was wrong and the fix. */
export function validateParameters<P>(flowName: string, schema: ZodType<P> | undefined, raw: Record<string, unknown>): P {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CellflowError("BAD_PARAMETERS", `flow '${flowName}' takes one parameters object, got ${Array.isArray(raw) ? "an array" : typeof raw}`, "call it as flow({ key: value })");
  }
  if (!schema) return raw as P;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? issue.path.join(".") : "(parameters)";
  const got = issue.path.length ? valueAt(raw, issue.path as PropertyKey[]) : raw;
  const shown = got === undefined ? "nothing" : echo(safeStringify(got));
  const extra = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : "";
  throw new CellflowError(
    "BAD_PARAMETERS",
    `flow '${flowName}': parameter \`${where}\` is invalid: ${issue.message}, got ${shown}${extra}`,
    `pass a valid value, e.g. -p ${String(issue.path[0] ?? "key")}=...`,
  );
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let v: unknown = obj;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** JSON of a bad value for the message; a value JSON cannot hold (cyclic, BigInt) is shown by its kind. */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return `(${typeof value} that is not JSON)`;
  }
}
