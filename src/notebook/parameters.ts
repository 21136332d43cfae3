// Papermill's convention: `-p` overrides go into a new cell right after the `parameters` cell.

import path from "node:path";
import ts from "../cells/typescript.cjs";
import { CellflowError } from "../core/errors.js";
import { checkParameterNames } from "../core/parameter-names.js";
import type { NotebookCell } from "./ipynb.js";

/** Tag of the cell whose variables `-p key=value` overrides. */
export const PARAMETERS_TAG = "parameters";
/** Tag of the cell Cellflow inserts with the overrides. */
export const INJECTED_TAG = "injected-parameters";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The source of the cell that applies `params`: one `const key = <JSON>;` line per parameter.
 * The cell runtime lets a later cell declare a name again, so these override the `parameters`
 * cell's declarations. `source` is that cell's source; a parameter it does not declare is still
 * injected (as papermill does) but marked with a comment.
 * @throws CellflowError `NOTEBOOK` for a parameter name that is not an identifier, or a value
 * JSON cannot hold.
 * @example
 * injectParameters("const size = 10;", { size: 50 }) // "// Parameters injected by cellflow\nconst size = 50;\n"
 */
export function injectParameters(source: string, params: Record<string, unknown>): string {
  const lines = ["// Parameters injected by cellflow"];
  for (const [key, value] of Object.entries(params)) {
    if (!IDENTIFIER.test(key)) {
      throw new CellflowError("NOTEBOOK", `parameter name "${key}" is not a valid identifier`, "use letters, digits, _ or $, not starting with a digit");
    }
    const json = JSON.stringify(value);
    if (json === undefined) {
      throw new CellflowError("NOTEBOOK", `parameter "${key}" has no JSON value`, "pass a string, number, boolean, array or object");
    }
    const declared = new RegExp(`(?:const|let|var)\\s[^;]*\\b${key.replace(/\$/g, "\\$")}\\b`).test(source);
    lines.push(`const ${key} = ${json};${declared ? "" : " // not declared in the parameters cell"}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * The cells to run with `params` applied: an injected code cell right after the first cell
 * tagged `parameters`, or first when none is tagged. Indexes of the notebook's cells are kept;
 * the injected cell has index -1 and the tag `injected-parameters`.
 */
export function withParameters(cells: NotebookCell[], params: Record<string, unknown>): NotebookCell[] {
  if (Object.keys(params).length === 0) return cells;
  const at = cells.findIndex((c) => c.cellType === "code" && c.tags.includes(PARAMETERS_TAG));
  const source = injectParameters(at >= 0 ? cells[at].source : "", params);
  const injected: NotebookCell = { index: -1, cellType: "code", source, tags: [INJECTED_TAG] };
  return [...cells.slice(0, at + 1), injected, ...cells.slice(at + 1)];
}

/** The names a parameters cell declares at its top level (`const size = 50;` → ["size"]). */
export function declaredParameters(source: string): string[] {
  const sf = ts.createSourceFile("parameters.ts", source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of sf.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
  }
  return names;
}

/**
 * Refuse `-p` names the notebook's `parameters` cell does not declare, before anything runs.
 * @throws CellflowError `BAD_PARAMETERS` naming the known names and the closest one.
 */
export function checkNotebookParameters(file: string, cells: NotebookCell[], params: Record<string, unknown>): void {
  if (Object.keys(params).length === 0) return;
  const cell = cells.find((c) => c.cellType === "code" && c.tags.includes(PARAMETERS_TAG));
  const name = `notebook ${path.basename(file, ".ipynb")}`;
  checkParameterNames(cell ? name : `${name} (it has no cell tagged "parameters")`, cell ? declaredParameters(cell.source) : [], params);
}
