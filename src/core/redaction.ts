// The redaction set: secret strings loaded in this process (block values). Every state message, error and log
// line is built through redact(), so a secret never reaches the store, the console, an alert or --json in clear.

const MIN_SECRET_LENGTH = 4;
export const MASK = "****";

interface Redactions {
  secrets: Set<string>;
  pattern: RegExp | null;
  /** The set's size when `pattern` was built: secrets are only ever added. */
  builtFor: number;
}

// One set per process, shared by every copy of the package a process loads (as engine/global.ts does).
const KEY = Symbol.for("cellflow.redaction-set");
const holder = globalThis as unknown as Record<symbol, Redactions | undefined>;
const state: Redactions = (holder[KEY] ??= { secrets: new Set<string>(), pattern: null, builtFor: 0 });

/** The secrets registered so far (read-only view for tests and diagnostics). */
export const redactions: ReadonlySet<string> = state.secrets;

/**
 * Mask `secret` in all text built from now on. Strings shorter than 4 characters are ignored (they would mask
 * ordinary words).
 * @example addSecret(block.value.value)
 */
export function addSecret(secret: unknown): void {
  if (typeof secret === "string" && secret.length >= MIN_SECRET_LENGTH) state.secrets.add(secret);
}

/** `text` with every registered secret replaced by "****"; longer secrets win where they overlap. */
export function redact(text: string): string {
  if (state.secrets.size === 0 || typeof text !== "string" || text === "") return text;
  if (state.builtFor !== state.secrets.size) {
    const values = [...state.secrets].sort((a, b) => b.length - a.length);
    state.pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    state.builtFor = state.secrets.size;
  }
  return text.replace(state.pattern!, MASK);
}
