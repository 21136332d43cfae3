// Compiles one cell: parse (syntax errors with the cell's line/column), rewrite, strip types.

import { transformSync } from "./esbuild.js";
import ts from "./typescript.cjs";
import { lineAndColumn, lineStarts } from "./edit-buffer.js";
import { rewriteCell } from "./rewrite.js";
import { decodeMappings, originalPosition } from "./source-map.js";

/** A 1-based line and column in the cell as the user wrote it. */
export interface CellPosition {
  line: number;
  column: number;
}

export interface CompiledCell {
  /** JavaScript to run with `vm.Script`. */
  code: string;
  /** Top-level names the cell declares (and assigns: names it was told to keep are left out). */
  names: string[];
  returnsValue: boolean;
  isAsync: boolean;
  /** Maps a 1-based line/column of `code` back to the cell's own source. */
  toCell(line: number, column: number): CellPosition | undefined;
}

export interface CellSyntaxError {
  message: string;
  position?: CellPosition;
}

/**
 * How cells are parsed: always as modules, so top-level `await (x)` is an await, not a call of a function named
 * `await` (what a script without import/export would make of it).
 */
export const CELL_PARSE_OPTIONS: ts.CreateSourceFileOptions = {
  languageVersion: ts.ScriptTarget.ES2022,
  setExternalModuleIndicator: (file) => {
    // What moduleDetection "force" does (the compiler's own helper is internal): every cell is a module.
    (file as ts.SourceFile & { externalModuleIndicator?: ts.Node | true }).externalModuleIndicator = true;
  },
};

/** Parses a cell as a TypeScript module (top-level `await` allowed). */
export function parseCell(source: string, fileName = "cell.ts"): ts.SourceFile {
  return ts.createSourceFile(fileName, source, CELL_PARSE_OPTIONS, true, ts.ScriptKind.TS);
}

/** The parser's first diagnostic, if the cell does not parse. */
export function firstParseError(sf: ts.SourceFile): CellSyntaxError | undefined {
  // `parseDiagnostics` is internal but stable; a full program per cell would cost milliseconds.
  const diagnostics = (sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  const first = diagnostics[0];
  if (!first) return undefined;
  const { line, character } = sf.getLineAndCharacterOfPosition(first.start);
  return { message: ts.flattenDiagnosticMessageText(first.messageText, "\n"), position: { line: line + 1, column: character + 1 } };
}

/**
 * Compiles a cell, or returns its syntax error. Cells with no TypeScript-only syntax skip type
 * stripping (the common, fast path); others go through esbuild, whose source map is composed with
 * the rewrite's own offsets so positions still land on the user's line and column.
 */
export function compileCell(source: string, forceStrip = false, keep?: ReadonlySet<string>): CompiledCell | CellSyntaxError {
  const sf = parseCell(source);
  const parseError = firstParseError(sf);
  if (parseError) return parseError;
  const cell = rewriteCell(sf, keep);
  const rewritten = cell.buffer.toString();
  const originalStarts = lineStarts(source);
  const rewrittenStarts = lineStarts(rewritten);
  const wrapperEnd = rewritten.lastIndexOf("\n})()");
  /** Undefined for the wrapper's own call, which is the runtime's frame, not the user's. */
  const fromRewritten = (line0: number, column0: number): CellPosition | undefined => {
    const offset = (rewrittenStarts[line0] ?? rewritten.length) + column0;
    if (offset > wrapperEnd) return undefined;
    const orig = lineAndColumn(originalStarts, cell.buffer.originalOffset(offset));
    return { line: orig.line + 1, column: orig.column + 1 };
  };
  const base = { names: keep ? cell.names.filter((n) => !keep.has(n)) : cell.names, returnsValue: cell.returnsValue, isAsync: cell.isAsync };
  if (!cell.hasTypeScript && !forceStrip) {
    return { ...base, code: rewritten, toCell: (line, column) => fromRewritten(line - 1, column - 1) };
  }
  let result: { code: string; map: string };
  try {
    result = transformSync(rewritten, {
      loader: "ts",
      target: "es2022",
      sourcemap: "external",
      sourcefile: "cell.ts",
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
    });
  } catch (error) {
    const location = (error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors?.[0];
    const where = location?.location ? fromRewritten(location.location.line - 1, location.location.column) : undefined;
    // esbuild's checks (e.g. a duplicate `class` member) are syntax errors of the cell too.
    return { message: location?.text ?? String(error), position: where };
  }
  const map = decodeMappings((JSON.parse(result.map) as { mappings: string }).mappings);
  return {
    ...base,
    code: result.code,
    toCell: (line, column) => {
      const pos = originalPosition(map, line - 1, column - 1);
      return pos ? fromRewritten(pos.line, pos.column) : undefined;
    },
  };
}

export function isSyntaxError(result: CompiledCell | CellSyntaxError): result is CellSyntaxError {
  return !("code" in result);
}
