// CLI parameters: "-p key=value" pairs, values parsed as JSON when they parse, else taken as strings.

import { CellflowError } from "../core/errors.js";
import { checkDepth, echo } from "../core/input-bounds.js";

export function parseParamPairs(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CellflowError("USAGE", `parameter '${echo(pair)}' is not key=value`, "write -p size=10 or -p months=[1,2,3]");
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    checkDepth(value, `parameter '${echo(key, 40)}'`, "pass a flatter value, or read deep data from a file in the flow");
    out[key] = value;
  }
  return out;
}
