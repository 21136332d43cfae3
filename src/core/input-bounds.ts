// Bounds on what users hand in: nesting depth of parsed values (-p JSON, cellflow.yaml, stored parameters) and
// how much of a bad value an error message echoes. One place, so every parser applies the same limits.

import { CellflowError } from "./errors.js";

/** Deepest nesting of arrays and objects accepted from user input. Real parameters and files nest a few levels. */
export const MAX_INPUT_DEPTH = 500;
/** How many characters of a bad value an error message shows. */
export const ECHO_LIMIT = 80;

/**
 * A value as an error message shows it: at most `limit` characters, then "…" and the full length.
 * @example echo("x".repeat(120_000)) // "xxxx…(120000 characters)"
 */
export function echo(text: string, limit = ECHO_LIMIT): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}… (${text.length} characters)`;
}

/** The nesting depth of a parsed value, counted without recursion; stops counting past `limit`. */
export function nestingDepth(value: unknown, limit = MAX_INPUT_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [at, depth] = stack.pop()!;
    if (typeof at !== "object" || at === null) continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(at) ? at : Object.values(at)) {
      if (typeof child === "object" && child !== null) stack.push([child, here]);
    }
  }
  return deepest;
}

/** Throw a one-line error when `value` nests deeper than MAX_INPUT_DEPTH; `what` names the input. */
export function checkDepth(value: unknown, what: string, hint = "flatten it"): void {
  if (nestingDepth(value) > MAX_INPUT_DEPTH) {
    throw new CellflowError("USAGE", `${what} nests deeper than ${MAX_INPUT_DEPTH} levels`, hint);
  }
}

/**
 * Run a parser on user input and bound what it returns: a parser that recurses (a YAML or JSON reader) turns a
 * pathologically deep input into a stack overflow; that becomes the same one-line error as a too-deep value.
 */
export function parseBounded<T>(what: string, parse: () => T, hint?: string): T {
  let value: T;
  try {
    value = parse();
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new CellflowError("USAGE", `${what} nests deeper than ${MAX_INPUT_DEPTH} levels`, hint ?? "flatten it");
    }
    throw error;
  }
  checkDepth(value, what, hint);
  return value;
}

/**
 * The deepest nesting of [ ] and { } in JSON or YAML flow text, outside quoted strings; stops past `limit`.
 * Checked before a parser sees the text, since some parsers recurse once per level and overflow the stack.
 */
export function bracketDepth(text: string, limit = MAX_INPUT_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") {
      depth++;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if ((ch === "]" || ch === "}") && depth > 0) depth--;
  }
  return deepest;
}

/** Throw the one-line depth error when text nests brackets deeper than MAX_INPUT_DEPTH. */
export function checkTextDepth(text: string, what: string, hint = "flatten it"): void {
  if (bracketDepth(text) > MAX_INPUT_DEPTH) {
    throw new CellflowError("USAGE", `${what} nests deeper than ${MAX_INPUT_DEPTH} levels`, hint);
  }
}
