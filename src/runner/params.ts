// CLI parameters: "-p key=value" pairs, values parsed as JSON when they parse, else taken as strings.

import { CellflowError } from "../core/errors.js";

export function parseParamPairs(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CellflowError("USAGE", `parameter '${pair}' is not key=value`, "write -p size=10 or -p months=[1,2,3]");
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[key] = value;
  }
  return out;
}
