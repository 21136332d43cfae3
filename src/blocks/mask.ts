// What of a block value is secret: masked by `blocks show`, and registered for log redaction when a block is loaded.

import type { BlockType, BlockValue } from "./types.js";

const MASK = "****";

/** The password in a postgres URL, or null. */
function urlPassword(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.password ? decodeURIComponent(parsed.password) : null;
  } catch {
    return null;
  }
}

/** The secret strings inside a block value: a secret's value, webhook header values, a SQL URL's password. */
export function secretParts(type: BlockType, value: BlockValue): string[] {
  switch (type) {
    case "secret":
      return [(value as BlockValue<"secret">).value];
    case "webhook":
      return Object.values((value as BlockValue<"webhook">).headers ?? {});
    case "sql": {
      const password = urlPassword((value as BlockValue<"sql">).url);
      return password ? [password] : [];
    }
    case "json":
    case "filesystem":
      return [];
  }
}

/** A copy of the value safe to print: secrets replaced by "****". */
export function maskBlockValue(type: BlockType, value: BlockValue): unknown {
  switch (type) {
    case "secret":
      return { value: MASK };
    case "webhook": {
      const hook = value as BlockValue<"webhook">;
      return hook.headers ? { ...hook, headers: Object.fromEntries(Object.keys(hook.headers).map((k) => [k, MASK])) } : hook;
    }
    case "sql": {
      const url = (value as BlockValue<"sql">).url;
      return { url: urlPassword(url) ? url.replace(/(\/\/[^:/@]*:)[^@]*@/, `$1${MASK}@`) : url };
    }
    case "json":
    case "filesystem":
      return value;
  }
}
