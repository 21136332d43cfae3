// cellflow.yaml read through the `yaml` package (YAML 1.2, core schema): block strings, anchors and aliases
// included; every error is one line naming the file, line and column.

import { parseDocument, type YAMLError } from "yaml";
import { CellflowError } from "../core/errors.js";

/** Deeper than this is not a deployment file but an attack on the parser's callers. */
export const MAX_YAML_DEPTH = 64;
/** Aliases expanded at most this many times (a "billion laughs" document stops here). */
const MAX_ALIAS_COUNT = 100;

function fail(file: string, where: string, message: string): never {
  throw new CellflowError("DEPLOYMENT", `${file}${where}: ${message}`, "fix the YAML there (see the cellflow.yaml example in the README)");
}

function position(error: YAMLError): string {
  const at = error.linePos?.[0];
  return at ? ` line ${at.line}, column ${at.col}` : "";
}

/** The first line of the package's message, without its own " at line L, column C" (we say it once, in front). */
function firstLine(error: YAMLError): string {
  return error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** Only what JSON can hold comes out, nested at most MAX_YAML_DEPTH levels. */
function checkPlain(value: unknown, file: string, path: string, depth: number): void {
  if (depth > MAX_YAML_DEPTH) fail(file, "", `${path || "the document"} is nested more than ${MAX_YAML_DEPTH} levels deep`);
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkPlain(v, file, `${path}[${i}]`, depth + 1));
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) fail(file, "", `${path || "the document"} has a tagged value YAML files here cannot hold`);
  for (const [k, v] of Object.entries(value)) checkPlain(v, file, path ? `${path}.${k}` : k, depth + 1);
}

/**
 * Parse YAML (JSON is YAML too) into plain values. Duplicate keys, bad indentation, tabs and the like are refused
 * with the file, line and column.
 * @example parseYaml("deployments:\n  - name: nightly\n    entrypoint: flows/etl.ts", "cellflow.yaml")
 */
export function parseYaml(source: string, file = "cellflow.yaml"): unknown {
  const doc = parseDocument(source, { schema: "core", uniqueKeys: true, prettyErrors: true, strict: true });
  const error = doc.errors[0];
  if (error) fail(file, position(error), firstLine(error));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (caught) {
    fail(file, "", (caught as Error).message.split("\n")[0]);
  }
  checkPlain(value, file, "", 0);
  return value;
}
