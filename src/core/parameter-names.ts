// Strict parameter names: a name the flow (or notebook) does not declare is refused, naming the closest one.

import { CellflowError } from "./errors.js";

/**
 * Refuse parameters whose names are not in `known` (null: the names cannot be known, so nothing is refused).
 * @example checkParameterNames("flow etl", ["size", "db"], { sizee: 5 })
 * // throws "unknown parameter 'sizee' for flow etl; known: size, db — did you mean 'size'?"
 */
export function checkParameterNames(owner: string, known: readonly string[] | null, given: Record<string, unknown>): void {
  if (known === null) return;
  const unknown = Object.keys(given).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  const name = unknown[0];
  const listed = known.length ? `known: ${known.join(", ")}` : "it takes no parameters";
  const more = unknown.length > 1 ? ` (and ${unknown.slice(1).map((n) => `'${n}'`).join(", ")})` : "";
  const close = closest(name, known);
  const hint = close ? `did you mean '${close}'?` : known.length ? `use one of: ${known.join(", ")}` : "remove the -p option";
  throw new CellflowError("BAD_PARAMETERS", `unknown parameter '${name}'${more} for ${owner}; ${listed}`, hint);
}

/** The known name nearest to `name` by edit distance, if it is near enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
