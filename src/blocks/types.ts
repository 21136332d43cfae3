// Block types (stored configuration) and validation of their values; secrets are encrypted by the store, not here.

import { createRequire } from "node:module";
import type { z as Zod } from "zod";
import { CellflowError } from "../core/errors.js";

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** Show a URL without its credentials, for error messages. */
function safeUrl(text: string): string {
  return text.replace(/\/\/[^/@]*@/, "//****@");
}

/** A SQLite file path (or ":memory:"), or a postgres:// / postgresql:// URL with a host. */
function sqlUrlProblem(text: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return null;
  if (scheme !== "postgres" && scheme !== "postgresql") {
    return `url '${safeUrl(text)}' is neither a SQLite path nor a postgres:// or postgresql:// URL`;
  }
  try {
    if (new URL(text).hostname === "") return `url '${safeUrl(text)}' has no host`;
  } catch {
    return `url '${safeUrl(text)}' is not a valid URL`;
  }
  return null;
}

/**
 * The zod schema of each block type. Built on the first validation: zod is ~95 modules and ~0.1 s of CPU to load, and
 * most processes that open a store (`runs ls`, a flow run, a kernel, a worker child) never validate a block value.
 */
function buildSchemas(z: typeof Zod) {
  const nonEmpty = (what: string) => z.string({ error: `${what} must be a string` }).trim().min(1, `${what} must not be empty`);
  return {
    secret: z.strictObject({ value: z.string({ error: "value must be a string" }) }),
    json: z.json({ error: "value must be plain JSON (objects, arrays, strings, numbers, booleans, null)" }),
    sql: z.strictObject({
      url: nonEmpty("url").check((ctx) => {
        const problem = sqlUrlProblem(ctx.value);
        if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
      }),
    }),
    filesystem: z.strictObject({ path: nonEmpty("path") }),
    webhook: z.strictObject({
      url: nonEmpty("url").refine(isHttpUrl, { error: (issue) => `url '${safeUrl(String(issue.input))}' must be an http:// or https:// URL` }),
      headers: z.record(z.string(), z.string({ error: "header values must be strings" })).optional(),
    }),
  } as const;
}

type BlockSchemas = ReturnType<typeof buildSchemas>;
let schemas: BlockSchemas | undefined;

/** The block types' zod schemas, loading zod (its CommonJS build, so that this stays synchronous) on first use. */
export function blockSchemas(): BlockSchemas {
  schemas ??= buildSchemas((createRequire(import.meta.url)("zod") as { z: typeof Zod }).z);
  return schemas;
}

export const BLOCK_TYPES = ["secret", "json", "sql", "filesystem", "webhook"] as const satisfies ReadonlyArray<keyof BlockSchemas>;
export type BlockType = (typeof BLOCK_TYPES)[number];
/** The value each block type holds, e.g. `BlockValue<"webhook">` is `{ url: string; headers?: Record<string, string> }`. */
export type BlockValue<T extends BlockType = BlockType> = Zod.infer<BlockSchemas[T]>;

export function isBlockType(value: string): value is BlockType {
  return (BLOCK_TYPES as readonly string[]).includes(value);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) at = typeof at === "object" && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return at;
}

/** The example each type's error points at. */
const EXAMPLES: Record<BlockType, string> = {
  secret: '{"value":"s3cr3t"}',
  json: '{"retries":3}',
  sql: '{"url":"data/app.db"} or {"url":"postgres://user@host/db"}',
  filesystem: '{"path":"/data/exports"}',
  webhook: '{"url":"https://hooks.example.com/x","headers":{"Authorization":"Bearer …"}}',
};

/**
 * Check a block value against its type; returns the parsed value (strings trimmed where a path or URL is expected).
 * Throws a one-line `CellflowError("BLOCK", …)` naming the type, the field and the fix.
 * @example validateBlockValue("webhook", { url: "https://hooks.example.com/x" })
 */
export function validateBlockValue<T extends BlockType>(type: T, value: unknown): BlockValue<T>;
export function validateBlockValue(type: string, value: unknown): BlockValue;
export function validateBlockValue(type: string, value: unknown): BlockValue {
  if (!isBlockType(type)) {
    throw new CellflowError("BLOCK", `unknown block type '${type}'`, `use one of ${BLOCK_TYPES.join(", ")}`);
  }
  const result = blockSchemas()[type].safeParse(value);
  if (result.success) return result.data as BlockValue;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.map(String).join(".");
    if (type === "json") return `value${where ? ` at ${where}` : ""} must be plain JSON (objects, arrays, strings, numbers, booleans, null)`;
    if (issue.code === "unrecognized_keys") return `unexpected field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    if (issue.code === "invalid_type" && issue.path.length === 0) return `value must be an object like ${EXAMPLES[type]}`;
    if (issue.code === "invalid_type" && valueAt(value, issue.path) === undefined) return `${where} is required`;
    return where && !issue.message.startsWith(where.split(".")[0]) ? `${where}: ${issue.message}` : issue.message;
  });
  throw new CellflowError("BLOCK", `invalid ${type} block: ${problems.join("; ")}`, `write it like ${EXAMPLES[type]}`);
}
