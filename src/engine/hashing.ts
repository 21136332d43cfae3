// Stable hashes of task inputs and sources: equal values hash equal whatever their key order.

import { sha256, sha256Prefix } from "../core/hash.js";

export { sha256, sha256Prefix };

export class UnhashableError extends Error {}

/**
 * A canonical string of a value: objects with sorted keys, type tags for Date, Map, Set, bigint and typed
 * arrays; functions by their source. `lookup` lets a caller substitute a known identity (e.g. an upstream
 * task's result hash) for an object instead of walking it.
 */
export function canonical(value: unknown, lookup?: (obj: object) => string | undefined): string {
  // Most task arguments are primitives: no walker (a closure and a set) for them.
  if (typeof value !== "object" || value === null) return primitive(value);
  const stack = new Set<object>();
  const walk = (v: unknown): string => {
    if (typeof v !== "object" || v === null) return primitive(v);
    const obj = v as object;
    const known = lookup?.(obj);
    if (known) return `ref:${known}`;
    if (stack.has(obj)) throw new UnhashableError("it contains a cycle");
    stack.add(obj);
    try {
      if (Array.isArray(obj)) return `[${obj.map(walk).join(",")}]`;
      if (obj instanceof Date) return `date:${obj.toISOString()}`;
      if (obj instanceof RegExp) return `re:${obj.toString()}`;
      if (obj instanceof Map) return `map:{${[...obj].map(([k, val]) => `${walk(k)}=>${walk(val)}`).sort().join(",")}}`;
      if (obj instanceof Set) return `set:{${[...obj].map(walk).sort().join(",")}}`;
      if (ArrayBuffer.isView(obj)) return `bytes:${sha256(Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength))}`;
      if (obj instanceof ArrayBuffer) return `bytes:${sha256(Buffer.from(obj))}`;
      if (typeof AbortSignal !== "undefined" && obj instanceof AbortSignal) return "signal";
      const keys = Object.keys(obj).sort();
      const ctor = Object.getPrototypeOf(obj)?.constructor?.name;
      const prefix = ctor && ctor !== "Object" ? `${ctor}` : "";
      return `${prefix}{${keys.map((k) => `${JSON.stringify(k)}:${walk((obj as Record<string, unknown>)[k])}`).join(",")}}`;
    } finally {
      stack.delete(obj);
    }
  };
  return walk(value);
}

/** The canonical string of a value that is not an object (null included). */
function primitive(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "undefined";
    case "bigint":
      return `${v}n`;
    case "function":
      return `fn:${(v as () => unknown).toString()}`;
    case "symbol":
      return `sym:${String((v as symbol).description)}`;
    default:
      return "null";
  }
}

export function hashValue(value: unknown, lookup?: (obj: object) => string | undefined): string {
  return sha256Prefix(canonical(value, lookup));
}

const paramNameCache = new WeakMap<(...args: never[]) => unknown, string[]>();

/** Parameter names read from a function's source ("rows", "db"); destructured or unreadable ones become argN. */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const cached = paramNameCache.get(fn);
  if (cached) return cached;
  const names: string[] = [];
  const src = fn.toString();
  const open = src.indexOf("(");
  const arrow = src.indexOf("=>");
  let list = "";
  if (open >= 0 && (arrow < 0 || open < arrow)) {
    let depth = 0;
    for (let i = open; i < src.length; i++) {
      const c = src[i];
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
      if (depth === 0) {
        list = src.slice(open + 1, i);
        break;
      }
    }
  } else if (arrow > 0) {
    list = src.slice(0, arrow).replace(/^async\s+/, "");
  }
  let depth = 0;
  let current = "";
  const parts: string[] = [];
  for (const c of list) {
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    if (c === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  if (current.trim()) parts.push(current);
  parts.forEach((p, i) => {
    const m = /^\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)/.exec(p);
    names.push(m ? m[1] : `arg${i}`);
  });
  paramNameCache.set(fn, names);
  return names;
}
