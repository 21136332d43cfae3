// `cellflow run --typecheck`: type-check a notebook's cells (or a flow file) before anything runs; any type error
// refuses the run with one line naming the cell (or file), line and column.

import path from "node:path";
import { readFileSync } from "node:fs";
import { CellflowError } from "../core/errors.js";
import type { CellDiagnostic } from "../cells/index.js";

/** Throws a CellflowError listing every type error of `cells` (checked in order, each against the ones before). */
export async function refuseTypeErrors(file: string, cells: { id: number | string; source: string }[]): Promise<void> {
  const { typeCheckCells } = await import("../cells/type-check.js");
  const isNotebook = file.endsWith(".ipynb");
  const found = typeCheckCells(cells, path.dirname(path.resolve(file)));
  if (found.length === 0) return;
  const place = (d: CellDiagnostic) => (isNotebook ? `cell ${d.cell}, line ${d.line}, col ${d.column}` : `${path.basename(file)}:${d.line}:${d.column}`);
  const listed = found.map((d) => `${place(d)}: ${d.message.split("\n")[0]} (TS${d.code})`).join("; ");
  throw new CellflowError("CELL", `${path.basename(file)} has ${found.length} type error${found.length === 1 ? "" : "s"}: ${listed}`, "fix them, or run without --typecheck");
}

/** A flow file checked as one cell. */
export async function refuseFileTypeErrors(file: string): Promise<void> {
  await refuseTypeErrors(file, [{ id: path.basename(file), source: readFileSync(file, "utf8") }]);
}
