// Turning task results into bytes for persistence: v8 structured serialization of plain data only,
// so nothing comes back from cache with a different type than it went in.

import v8 from "node:v8";
import { sha256 } from "../core/hash.js";

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
  bytes: Buffer;
  /** sha256 of the bytes (the content address), or for a small value that is not an object its bytes themselves (OWN_REF_PREFIX). */
  ref: string;
}

/**
 * A small value that is not an object (a number, a boolean, a short string) is its own ref: "v8:" and its bytes in
 * base64url, no longer than a sha256 ref. It lives in the row that references it (task or flow run), with no result
 * record to write, hash or prune. Objects keep a sha256 ref even when small: a downstream task's cache key names an
 * object input by its result's ref, and those keys must not change.
 */
const OWN_REF_PREFIX = "v8:";
const OWN_REF_MAX_BYTES = 48;

/** Whether `ref` holds its result (see OWN_REF_PREFIX) rather than naming a stored one. */
export function isOwnRef(ref: string): boolean {
  return ref.startsWith(OWN_REF_PREFIX);
}

/** Plain data as bytes (v8 structured serialization); NotPersistableError names what would not survive. */
export function serializeValue(value: unknown): Buffer {
  assertPersistable(value);
  try {
    return v8.serialize(value);
  } catch (error) {
    throw new NotPersistableError(`the result cannot be serialized: ${(error as Error).message}`);
  }
}

export function serializeResult(value: unknown): SerializedResult {
  const bytes = serializeValue(value);
  if ((value === null || typeof value !== "object") && bytes.length <= OWN_REF_MAX_BYTES) return { bytes, ref: OWN_REF_PREFIX + bytes.toString("base64url") };
  return { bytes, ref: sha256(bytes) };
}

/** The value a ref that holds its result stands for (isOwnRef). */
export function valueOfOwnRef(ref: string): unknown {
  return v8.deserialize(Buffer.from(ref.slice(OWN_REF_PREFIX.length), "base64url"));
}

export function deserializeResult(bytes: Buffer, ref: string): unknown {
  if (isOwnRef(ref)) return valueOfOwnRef(ref);
  const actual = sha256(bytes);
  if (actual !== ref) throw new Error(`result ${ref.slice(0, 12)} is corrupt (content hash ${actual.slice(0, 12)})`);
  return v8.deserialize(bytes);
}
