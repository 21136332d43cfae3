// Finding a flow in a user's file: "flows/etl.ts:etl" → the Flow object, by flow name or export name.

import path from "node:path";
import { CellflowError } from "../core/errors.js";
import { flowRegistry, isFlow, type Flow } from "../engine/flow.js";
import { globalSingleton } from "../engine/global.js";
import { importModule } from "../loader/index.js";

const loading = globalSingleton("loadingFlows", () => ({ depth: 0 }));

/** True while cellflow imports a user's module to find a flow in it (its top-level serve() must not serve). */
export function isLoadingFlows(): boolean {
  return loading.depth > 0;
}

export interface FlowSpec {
  file: string;
  flowName: string | null;
}

/** Split "path/to/file.ts:flow" (a Windows drive letter's colon is not a separator). */
export function parseFlowSpec(spec: string, cwd = process.cwd()): FlowSpec {
  const m = /^(.*\.(?:[cm]?[jt]sx?|ipynb)):([^:/\\]+)$/.exec(spec);
  const file = m ? m[1] : spec;
  return { file: path.resolve(cwd, file), flowName: m ? m[2] : null };
}

export async function loadFlow(spec: FlowSpec): Promise<Flow<any, any>> {
  const before = flowRegistry.length;
  loading.depth += 1;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(spec.file);
  } finally {
    loading.depth -= 1;
  }
  const found = new Map<string, Flow<any, any>>();
  for (const [exportName, value] of Object.entries(mod)) {
    if (isFlow(value)) {
      found.set(value.flowName, value);
      if (exportName !== "default") found.set(exportName, value);
    }
  }
  for (const f of flowRegistry.slice(before)) if (!found.has(f.flowName)) found.set(f.flowName, f);
  const distinct = [...new Set(found.values())];
  const rel = path.relative(process.cwd(), spec.file) || spec.file;
  if (spec.flowName) {
    const flow = found.get(spec.flowName);
    if (flow) return flow;
    throw new CellflowError(
      "UNKNOWN_FLOW",
      `no flow named '${spec.flowName}' in ${rel}${distinct.length ? ` (it has: ${distinct.map((f) => f.flowName).join(", ")})` : " (it defines no flows)"}`,
      distinct.length ? `run ${rel}:${distinct[0].flowName}` : "define one with flow() and export it",
    );
  }
  if (distinct.length === 1) return distinct[0];
  if (distinct.length === 0) throw new CellflowError("UNKNOWN_FLOW", `${rel} defines no flows`, "define one with flow() and export it");
  throw new CellflowError("UNKNOWN_FLOW", `${rel} defines several flows (${distinct.map((f) => f.flowName).join(", ")})`, `name one: ${rel}:${distinct[0].flowName}`);
}
