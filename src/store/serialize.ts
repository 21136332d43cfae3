// Turning task results into bytes for persistence: v8 structured serialization of plain data only,
// so nothing comes back from cache with a different type than it went in.

import { sha256 } from "../core/hash.js";

// node:v8 loads with the first result written or read, not with the store (~3 ms of every command line).
let v8Module: typeof import("node:v8") | undefined;
const v8 = () => (v8Module ??= process.getBuiltinModule("node:v8"));

export class NotPersistableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "NotPersistableError";
  }
}

const PLAIN_PROTOTYPES = new Set<unknown>([Object.prototype, null, Array.prototype]);
const MAX_DEPTH = 200;

/** Throws NotPersistableError naming the first value that would not survive a round trip. */
export function assertPersistable(value: unknown): void {
  // Most results are plain values: no walk (a Set and a closure per task run) for them.
  if (value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) return;
  const seen = new Set<object>();
  const visit = (v: unknown, where: string, depth: number): void => {
    if (v === null || v === undefined) return;
    switch (typeof v) {
      case "string":
      case "number":
      case "boolean":
      case "bigint":
        return;
      case "function":
        throw new NotPersistableError(`${where} is a function`);
      case "symbol":
        throw new NotPersistableError(`${where} is a symbol`);
      case "object":
        break;
      default:
        return;
    }
    const obj = v as object;
    if (seen.has(obj)) return;
    if (depth > MAX_DEPTH) throw new NotPersistableError(`${where} is nested more than ${MAX_DEPTH} levels deep`);
    seen.add(obj);
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const item = obj[i];
        if (item !== null && typeof item === "object") visit(item, `${where}[${i}]`, depth + 1);
        else if (typeof item === "function" || typeof item === "symbol") visit(item, `${where}[${i}]`, depth + 1);
      }
      return;
    }
    if (obj instanceof Date || obj instanceof RegExp || ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return;
    if (obj instanceof Map) {
      for (const [k, item] of obj) {
        visit(k, `${where} key`, depth + 1);
        visit(item, `${where}.get(${String(k)})`, depth + 1);
      }
      return;
    }
    if (obj instanceof Set) {
      for (const item of obj) visit(item, `${where} item`, depth + 1);
      return;
    }
    if (obj instanceof Error) return;
    const proto = Object.getPrototypeOf(obj);
    if (!PLAIN_PROTOTYPES.has(proto)) {
      const name = (proto?.constructor?.name as string | undefined) ?? "an unknown class";
      throw new NotPersistableError(`${where} is an instance of ${name}, which would come back as a plain object`);
    }
    for (const key of Object.keys(obj)) visit((obj as Record<string, unknown>)[key], `${where}.${key}`, depth + 1);
  };
  visit(value, "the result", 0);
}

export interface SerializedResult {
  /** The bytes to store under `ref`; null when the ref holds the value itself (ownRef). */
  bytes: Buffer | null;
  /** sha256 of the bytes (the content address), or the value itself (ownRef). */
  ref: string;
}

/** Own refs start with this, which no sha256 hex does. */
const OWN_REF_MARK = "=";
/** An own ref is no longer than a sha256 ref. */
const OWN_REF_MAX = 64;

/**
 * A small value that is not an object is its own ref: "=42", "=-0", "=NaN", "=true", "=null", "=undefined", or a
 * string as JSON ('="ok"', lone surrogates escaped). It lives in the row that references it (task or flow run): no
 * result record to write, hash or prune, and no random-key insert into the results table. Objects keep a sha256
 * ref even when small: a downstream task's cache key names an object input by its result's ref, and those keys
 * must not change. Null when `value` has no own ref.
 */
export function ownRef(value: unknown): string | null {
  switch (typeof value) {
    case "number":
      return OWN_REF_MARK + (Object.is(value, -0) ? "-0" : String(value));
    case "boolean":
      return value ? "=true" : "=false";
    case "undefined":
      return "=undefined";
    case "string": {
      if (value.length >= OWN_REF_MAX) return null;
      const json = JSON.stringify(value);
      return json.length < OWN_REF_MAX ? OWN_REF_MARK + json : null;
    }
    case "object":
      return value === null ? "=null" : null;
    default:
      return null; // a bigint goes through v8 like objects; a symbol or function is not persistable
  }
}

/** Whether `ref` holds its result (ownRef) rather than naming a stored one. */
export function isOwnRef(ref: string): boolean {
  return ref.startsWith(OWN_REF_MARK);
}

/** The value an own ref holds; a damaged one throws, as a result whose bytes no longer match their hash does. */
export function valueOfOwnRef(ref: string): unknown {
  const text = ref.slice(OWN_REF_MARK.length);
  switch (text) {
    case "true":
      return true;
    case "false":
      return false;
    case "null":
      return null;
    case "undefined":
      return undefined;
  }
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      // said below
    }
  } else {
    const n = Number(text);
    if (text === (Object.is(n, -0) ? "-0" : String(n))) return n;
  }
  throw new Error(`result ${ref.slice(0, 12)} is corrupt (not a value)`);
}

/** Plain data as bytes (v8 structured serialization); NotPersistableError names what would not survive. */
export function serializeValue(value: unknown): Buffer {
  assertPersistable(value);
  try {
    return v8().serialize(value);
  } catch (error) {
    throw new NotPersistableError(`the result cannot be serialized: ${(error as Error).message}`);
  }
}

export function serializeResult(value: unknown): SerializedResult {
  const own = ownRef(value);
  if (own !== null) return { bytes: null, ref: own };
  const bytes = serializeValue(value);
  return { bytes, ref: sha256(bytes) };
}

export function deserializeResult(bytes: Buffer, ref: string): unknown {
  if (isOwnRef(ref)) return valueOfOwnRef(ref);
  const actual = sha256(bytes);
  if (actual !== ref) throw new Error(`result ${ref.slice(0, 12)} is corrupt (content hash ${actual.slice(0, 12)})`);
  return v8().deserialize(bytes);
}
