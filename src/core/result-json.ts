// Honest JSON for values users return: BigInts stay exact integers, and a value JSON cannot hold (a cyclic
// object) is shown as inspect text with a note saying so, never as "[object Object]".

import { inspect } from "node:util";

/** A value ready for JSON output: `value` is what to print; `note` says why it is text instead of the value. */
export interface JsonView {
  value: unknown;
  note?: string;
}

/**
 * The JSON view of a returned value. Plain data passes as is (BigInts kept, see stringifyJson); a cyclic value
 * becomes its util.inspect text with a note.
 * @example jsonView({ a: 1 }) // { value: { a: 1 } }
 */
export function jsonView(value: unknown): JsonView {
  try {
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? 0 : v));
    return { value: value === undefined ? null : value };
  } catch (error) {
    const why = /circular/i.test((error as Error).message) ? "cyclic" : (error as Error).message.split("\n")[0];
    return { value: inspect(value, { depth: 6, breakLength: Infinity }), note: `result not JSON-serializable: ${why}; shown as inspect text` };
  }
}

/**
 * JSON.stringify that writes BigInts as exact JSON integers (JSON numbers have no size limit), instead of throwing
 * or quoting them; a JSON reader that needs the exact value must read big integers as such.
 * @example stringifyJson({ n: 12345678901234567890n }) // '{"n":12345678901234567890}'
 */
export function stringifyJson(value: unknown, indent?: number): string {
  const mark = `\u0000bigint-${process.getBuiltinModule("node:crypto").randomUUID()}:`;
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? mark + v.toString() : v), indent) ?? "null";
  if (!text.includes("bigint-")) return text;
  const quoted = JSON.stringify(mark).slice(0, -1);
  return text.split(quoted).map((part, i) => (i === 0 ? part : part.replace(/^(-?\d+)"/, "$1"))).join("");
}
