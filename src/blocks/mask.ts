// What of a block value is secret: masked by `blocks show`, and registered for log redaction when a block is loaded.

import type { BlockType, BlockValue } from "./types.js";

const MASK = "****";

/** The password in a URL (`scheme://user:password@host`), or null. */
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
    case "webhook": {
      const hook = value as BlockValue<"webhook">;
      const password = urlPassword(hook.url);
      return [...Object.values(hook.headers ?? {}), ...(password ? [password, encodeURIComponent(password)] : [])];
    }
    case "sql": {
      const password = urlPassword((value as BlockValue<"sql">).url);
      return password ? [password, encodeURIComponent(password)] : [];
    }
    case "json":
    case "filesystem":
      return [];
  }
}

/** The URL with the password of its `user:password@` part replaced by "****". */
export function maskUrl(url: string): string {
  return urlPassword(url) ? url.replace(/(\/\/[^:/@]*:)[^@]*@/, `$1${MASK}@`) : url;
}

/** A copy of the value safe to print: secrets replaced by "****". */
export function maskBlockValue(type: BlockType, value: BlockValue): unknown {
  switch (type) {
    case "secret":
      return { value: MASK };
    case "webhook": {
      const hook = value as BlockValue<"webhook">;
      const masked = { ...hook, url: maskUrl(hook.url) };
      return hook.headers ? { ...masked, headers: Object.fromEntries(Object.keys(hook.headers).map((k) => [k, MASK])) } : masked;
    }
    case "sql":
      return { url: maskUrl((value as BlockValue<"sql">).url) };
    case "json":
    case "filesystem":
      return value;
  }
}
