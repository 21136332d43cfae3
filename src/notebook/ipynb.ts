// Reads, validates and atomically writes back Jupyter notebooks (.ipynb, nbformat 4).

import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CellflowError } from "../core/errors.js";
import { displayPath } from "../loader/index.js";

/** One cell of a notebook, as Cellflow uses it. */
export interface NotebookCell {
  /** 0-based position in the notebook's `cells` array. */
  index: number;
  cellType: "code" | "markdown" | "raw";
  /** The source, joined into one string. */
  source: string;
  /** `metadata.tags` (e.g. "parameters"). */
  tags: string[];
}

/** A notebook read from disk. */
export interface Notebook {
  path: string;
  /** The kernel's language, lower case: "typescript" (default when the notebook names none). */
  language: string;
  cells: NotebookCell[];
}

/** A change to one cell: a new source and, for code cells, optionally new outputs. */
export interface CellUpdate {
  index: number;
  source?: string;
  outputs?: unknown[];
}

type RawCell = { cell_type?: unknown; source?: unknown; metadata?: { tags?: unknown }; outputs?: unknown };
type RawNotebook = { nbformat?: unknown; cells?: unknown; metadata?: { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } } };

const LANGUAGES = new Set(["typescript", "ts", "javascript", "js"]);
const CELL_TYPES = new Set(["code", "markdown", "raw"]);

/**
 * Reads and validates a notebook.
 * @throws CellflowError `NOTEBOOK` naming the file and the fix (malformed JSON, no `cells`
 * array, nbformat other than 4, a malformed cell, a kernel language other than TypeScript).
 * @example
 * const nb = readNotebook("notebooks/etl.ipynb");
 * for (const cell of nb.cells) if (cell.cellType === "code") await runtime.run(cell.source, cell.index);
 */
export function readNotebook(path: string): Notebook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT" ? "file not found" : String((error as Error).message);
    throw new CellflowError("NOTEBOOK", `cannot read ${displayPath(path)}: ${reason}`, "check the path and run again");
  }
  return parseNotebook(text, path);
}

/** Validates notebook JSON text; `path` is used in messages. */
export function parseNotebook(text: string, path: string): Notebook {
  const raw = parseRaw(text, path);
  const file = displayPath(path);
  const language = kernelLanguage(raw);
  if (!LANGUAGES.has(language)) {
    throw new CellflowError(
      "NOTEBOOK",
      `${file} is a ${language} notebook; Cellflow runs TypeScript cells`,
      "pick a TypeScript notebook, or set its kernel to Cellflow (TypeScript) in Jupyter",
    );
  }
  const cells = (raw.cells as RawCell[]).map((cell, index) => ({
    index,
    cellType: cell.cell_type as NotebookCell["cellType"],
    source: joinSource(cell.source),
    tags: Array.isArray(cell.metadata?.tags) ? cell.metadata.tags.filter((t): t is string => typeof t === "string") : [],
  }));
  return { path, language, cells };
}

/**
 * Writes changed cell sources (and outputs) back to the notebook on disk, keeping every other
 * cell, output and metadata as it is in the file now. Atomic: a temp file beside it is renamed
 * over it, so the notebook is never half-written.
 */
export function updateNotebook(path: string, updates: CellUpdate[]): void {
  const raw = parseRaw(readFileSync(path, "utf8"), path);
  const cells = raw.cells as RawCell[];
  for (const update of updates) {
    const cell = cells[update.index];
    if (!cell) {
      throw new CellflowError("NOTEBOOK", `${displayPath(path)} has no cell ${update.index} (it has ${cells.length})`, "re-read the notebook before writing");
    }
    if (update.source !== undefined) cell.source = splitSource(update.source);
    if (update.outputs !== undefined && cell.cell_type === "code") cell.outputs = update.outputs;
  }
  writeAtomically(path, JSON.stringify(asNbformat45(raw), null, 1) + "\n");
}

/**
 * Appends code cells (no outputs yet) at the end of the notebook, keeping every other cell, output and
 * metadata as it is in the file now; creates a TypeScript notebook when the file does not exist. Atomic.
 * @example appendCodeCells("analysis.ipynb", ["const total = rows.length;"])
 */
export function appendCodeCells(path: string, sources: string[]): void {
  let raw: RawNotebook;
  try {
    raw = parseRaw(readFileSync(path, "utf8"), path);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
    raw = { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "cellflow", display_name: "TypeScript (Cellflow)", language: "typescript" } }, cells: [] } as RawNotebook;
  }
  for (const source of sources) {
    (raw.cells as unknown[]).push({ id: newCellId(), cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: splitSource(source) });
  }
  writeAtomically(path, JSON.stringify(asNbformat45(raw), null, 1) + "\n");
}

/** nbformat 4.5: every cell has an id (unique in the notebook), so Jupyter and nbformat do not warn or rewrite it. */
function asNbformat45(raw: RawNotebook): RawNotebook {
  const cells = raw.cells as Array<{ id?: unknown }>;
  const seen = new Set<string>();
  for (const cell of cells) {
    if (typeof cell.id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(cell.id) && !seen.has(cell.id)) seen.add(cell.id);
    else {
      let id = newCellId();
      while (seen.has(id)) id = newCellId();
      cell.id = id;
      seen.add(id);
    }
  }
  const minor = (raw as { nbformat_minor?: unknown }).nbformat_minor;
  return { ...raw, nbformat: 4, nbformat_minor: typeof minor === "number" && minor > 5 ? minor : 5 } as RawNotebook;
}

function newCellId(): string {
  return randomBytes(4).toString("hex");
}

/** Writes `text` to a temp file in the same folder, then renames it over `path`. */
export function writeAtomically(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CellflowError("NOTEBOOK", `cannot write ${displayPath(path)}: ${(error as Error).message}`, "check the folder is writable", { cause: error });
  }
}

function parseRaw(text: string, path: string): RawNotebook {
  const file = displayPath(path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CellflowError("NOTEBOOK", `${file} is not valid JSON (${(error as Error).message})`, "fix the file or save it again from Jupyter");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new CellflowError("NOTEBOOK", `${file} is not a notebook (expected a JSON object)`, "pass an .ipynb file saved by Jupyter");
  }
  const nb = raw as RawNotebook;
  if (!Array.isArray(nb.cells)) {
    throw new CellflowError("NOTEBOOK", `${file} has no "cells" array`, "save it again from Jupyter as an nbformat 4 notebook");
  }
  if (nb.nbformat !== undefined && nb.nbformat !== 4) {
    throw new CellflowError("NOTEBOOK", `${file} is nbformat ${String(nb.nbformat)}; Cellflow reads nbformat 4`, "convert it: jupyter nbconvert --to notebook --nbformat 4");
  }
  nb.cells.forEach((cell: unknown, index: number) => {
    const c = cell as RawCell;
    if (typeof cell !== "object" || cell === null || !CELL_TYPES.has(c.cell_type as string)) {
      throw new CellflowError("NOTEBOOK", `${file}: cell ${index} has no valid cell_type (code, markdown or raw)`, "fix the cell or save the notebook again from Jupyter");
    }
    if (typeof c.source !== "string" && !(Array.isArray(c.source) && c.source.every((l) => typeof l === "string"))) {
      throw new CellflowError("NOTEBOOK", `${file}: cell ${index} has no source (a string or a list of strings)`, "fix the cell or save the notebook again from Jupyter");
    }
  });
  return nb;
}

function kernelLanguage(raw: RawNotebook): string {
  const language = raw.metadata?.kernelspec?.language ?? raw.metadata?.language_info?.name ?? "typescript";
  return String(language).toLowerCase();
}

function joinSource(source: unknown): string {
  return Array.isArray(source) ? source.join("") : String(source);
}

/** nbformat's convention: a list of lines, each but the last ending in "\n". */
function splitSource(source: string): string[] {
  const lines = source.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}
