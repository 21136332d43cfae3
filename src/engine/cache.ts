// Cache keys and cache decisions: what a task run's key hashes, whether a result can be reused, and why not.

import type { TaskInput } from "../core/records.js";
import type { TaskRunRow } from "../store/rows.js";
import type { CachePolicy, TaskOptions } from "./options.js";
import { sha256Prefix } from "./hashing.js";

export interface KeyParts {
  taskName: string;
  policy: CachePolicy;
  scope: "run" | "global";
  flowRunId: string | null;
  sourceHash: string;
  inputs: TaskInput[];
}

/** The cache key, or null when this call is not cached (policy "none", or an input that cannot be hashed). */
export function cacheKeyFor(parts: KeyParts, custom: string | null | undefined): string | null {
  if (parts.policy === "none") return null;
  if (custom === null) return null;
  if (custom !== undefined) return sha256Prefix(`${scopeText(parts)}|${parts.taskName}|custom:${custom}`);
  const withInputs = parts.policy === "inputs" || parts.policy === "inputs+source";
  const withSource = parts.policy === "source" || parts.policy === "inputs+source";
  // "name=hash" of each input but waitFor's, ";"-separated (a loop: no arrays per task run on the hot path).
  let inputs = "";
  for (const input of parts.inputs) {
    if (input.kind === "wait_for") continue;
    if (!input.hash) return null;
    if (withInputs) inputs += inputs ? `;${input.name}=${input.hash}` : `${input.name}=${input.hash}`;
  }
  return sha256Prefix(keyHead(parts, withSource ? parts.sourceHash : "") + inputs);
}

function scopeText(parts: KeyParts): string {
  return parts.scope === "run" ? `run:${parts.flowRunId ?? "-"}` : "global";
}

/** The last key head built, and what it was built from. */
let head = { scope: "", flowRunId: null as string | null, taskName: "", source: "", text: "" };

/**
 * `<scope>|<task name>|<source hash or "">|`, what a key hashes before its inputs. Calls in a row are mostly of one
 * task in one flow run (a loop, a map): the last head is reused then, not built again per task run.
 */
function keyHead(parts: KeyParts, source: string): string {
  const last = head;
  if (last.taskName === parts.taskName && last.source === source && last.flowRunId === parts.flowRunId && last.scope === parts.scope) return last.text;
  head = { scope: parts.scope, flowRunId: parts.flowRunId, taskName: parts.taskName, source, text: `${scopeText(parts)}|${parts.taskName}|${source}|` };
  return head.text;
}

/**
 * Add the completed task runs among `rows` (earlier attempts of a flow run) that have a cache key and a persisted
 * result to `earlier`, keeping the newest per key (latest end, then the later row), as the store's lookup orders them.
 */
export function indexEarlier(earlier: Map<string, TaskRunRow>, rows: Iterable<TaskRunRow>): void {
  for (const row of rows) {
    if (row.state_type !== "COMPLETED" || row.cache_key === null || row.result_ref === null) continue;
    const known = earlier.get(row.cache_key);
    if (!known || (row.end_time ?? 0) >= (known.end_time ?? 0)) earlier.set(row.cache_key, row);
  }
}

/** "from run etl-icy-badger (2147fa7f)": the run a result came from, by name and an id prefix `runs show` accepts. */
export function fromRun(run: { id: string; name: string } | null): string {
  return run ? `from run ${run.name} (${run.id.slice(0, 8)})` : "from a run that was removed";
}

export function effectivePolicy(options: TaskOptions): CachePolicy {
  return options.cachePolicy ?? "inputs+source";
}

/** Why a task run executed instead of coming from cache, compared with its previous attempt in the same flow run. */
export function explainExecution(
  previous: TaskRunRow | undefined,
  current: { sourceHash: string; inputs: TaskInput[]; policy: CachePolicy; key: string | null },
  options: TaskOptions,
): string {
  if (current.policy === "none") return "executed: cache policy none";
  if (options.refreshCache) return "executed: refresh requested";
  const unhashable = current.inputs.find((i) => i.kind !== "wait_for" && !i.hash);
  if (current.key === null && unhashable) return `executed: input \`${unhashable.name}\` cannot be hashed`;
  if (current.key === null) return "executed: cacheKey returned null";
  if (!previous) return "executed: no earlier run";
  if (previous.state_type !== "COMPLETED") return `executed: previous attempt ${previous.state_name}`;
  if (!previous.result_ref) return "executed: previous result was not persisted";
  if (previous.source_hash && previous.source_hash !== current.sourceHash && current.policy !== "inputs") return "executed: source changed";
  const before = new Map((JSON.parse(previous.inputs) as TaskInput[]).map((i) => [i.name, i.hash]));
  for (const input of current.inputs) {
    if (input.kind === "wait_for") continue;
    if (before.get(input.name) !== input.hash) return `executed: input \`${input.name}\` changed`;
  }
  if (previous.cache_expires !== null && previous.cache_expires <= Date.now()) return "executed: expired";
  return "executed: cache key changed";
}
