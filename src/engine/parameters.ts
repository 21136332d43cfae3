// Flow parameters: validated and coerced by the flow's zod schema before a run starts.

import type { ZodType } from "zod";
import { CellflowError } from "../core/errors.js";
import { echo } from "../core/input-bounds.js";
import { checkParameterNames } from "../core/parameter-names.js";

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

/**
 * The parameter names a flow declares: its zod object schema's keys, else the keys its function destructures
 * from its parameters object; null when they cannot be known (a rest element, or a parameters object not
 * destructured).
 */
export function flowParameterNames(schema: ZodType<unknown> | undefined, fn: (params: any) => unknown): string[] | null {
  const shape = (schema as { shape?: unknown } | undefined)?.shape;
  if (shape && typeof shape === "object") return Object.keys(shape);
  if (schema) return null;
  return destructuredNames(fn.toString());
}

/** Refuse parameter names the flow does not declare (CLI, deployments, cellflow.yaml), naming the closest one. */
export function checkFlowParameterNames(def: { name: string; fn: (params: any) => unknown; options: { parameters?: ZodType<any> } }, given: Record<string, unknown>): void {
  checkParameterNames(`flow ${def.name}`, flowParameterNames(def.options.parameters, def.fn), given);
}

function destructuredNames(source: string): string[] | null {
  const head = /^\s*(?:async\s*)?(?:function\b[^(]*)?\(\s*/.exec(source);
  if (!head) return null;
  const rest = source.slice(head[0].length);
  if (rest.startsWith(")")) return [];
  if (!rest.startsWith("{")) return null;
  const names: string[] = [];
  let depth = 0;
  let part = "";
  let quote: string | null = null;
  for (const char of rest.slice(1)) {
    if (quote) {
      if (char === quote && !part.endsWith("\\")) quote = null;
      part += char;
      continue;
    }
    if (char === '"' || char === "'" || char === "`") quote = char;
    else if (depth === 0 && (char === "," || char === "}")) {
      const m = /^\s*([A-Za-z_$][\w$]*)/.exec(part);
      if (part.trim().startsWith("...")) return null;
      if (m) names.push(m[1]);
      else if (part.trim()) return null;
      part = "";
      if (char === "}") return names;
      continue;
    }
    if ("([{".includes(char)) depth++;
    else if (")]}".includes(char)) depth--;
    part += char;
  }
  return null;
}

/** JSON of a bad value for the message; a value JSON cannot hold (cyclic, BigInt) is shown by its kind. */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return `(${typeof value} that is not JSON)`;
  }
}
