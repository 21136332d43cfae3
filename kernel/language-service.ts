// Completion and hover help for cells: a TypeScript language service over earlier cells' declarations plus the current code.

import { join } from "node:path";
import type TS from "typescript";
import { insertAfterDirectives } from "../src/cells/directives.js";

type Ts = typeof TS;

/** A complete_reply's payload. */
export interface Completion {
  matches: string[];
  /** Code-point offsets of the text the matches replace. */
  cursorStart: number;
  cursorEnd: number;
  /** Kind per match, as Jupyter's `_jupyter_types_experimental` metadata shows it. */
  types: { text: string; type: string; start: number; end: number }[];
}

/** An inspect_reply's payload (found = text !== null). */
export interface Inspection {
  text: string;
}


/** Code-point offset (Jupyter's cursor_pos) → UTF-16 index (JavaScript strings). */
export function codePointToIndex(text: string, cursor: number): number {
  let index = 0;
  for (let cp = 0; cp < cursor && index < text.length; cp++) index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  return index;
}

/** UTF-16 index → code-point offset. */
export function indexToCodePoint(text: string, index: number): number {
  return Array.from(text.slice(0, index)).length;
}

const IDENTIFIER_CHAR = /[\p{ID_Continue}$\u200c\u200d]/u;

/**
 * Answers complete and inspect requests. The cell is analysed as the accumulated declarations of
 * earlier cells followed by its own code, so names defined in earlier cells complete and hover.
 */
export class CellLanguageService {
  private readonly service: TS.LanguageService;
  private readonly fileName: string;
  private text = "";
  private version = 0;

  constructor(
    private readonly ts: Ts,
    cwd: string,
    options: TS.CompilerOptions,
  ) {
    this.fileName = join(cwd, "__cellflow_cell__.ts");
    const sys = ts.sys;
    // Library and package files do not change while a kernel runs: read each once (a program per check reads them all).
    const snapshots = new Map<string, TS.IScriptSnapshot | undefined>();
    const host: TS.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [this.fileName],
      getScriptVersion: (file) => (file === this.fileName ? String(this.version) : "0"),
      getScriptSnapshot: (file) => {
        if (file === this.fileName) return ts.ScriptSnapshot.fromString(this.text);
        if (!snapshots.has(file)) {
          const content = sys.readFile(file);
          snapshots.set(file, content === undefined ? undefined : ts.ScriptSnapshot.fromString(content));
        }
        return snapshots.get(file);
      },
      getCurrentDirectory: () => cwd,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (file) => file === this.fileName || sys.fileExists(file),
      readFile: (file) => (file === this.fileName ? this.text : sys.readFile(file)),
      directoryExists: (dir) => sys.directoryExists(dir),
      getDirectories: (dir) => sys.getDirectories(dir),
      readDirectory: (...args) => sys.readDirectory(...args),
      realpath: sys.realpath,
      useCaseSensitiveFileNames: () => sys.useCaseSensitiveFileNames,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** Loads the cell after the earlier cells' declarations (after its own `///` directives); returns where each of its indexes went. */
  private load(declarations: string, code: string): (index: number) => number {
    const loaded = insertAfterDirectives(this.ts, code, declarations === "" ? "" : `${declarations}\n`);
    this.text = loaded.code;
    this.version++;
    return loaded.position;
  }

  /** Completions at a code-point cursor in `code`, filtered to the identifier being typed. */
  complete(declarations: string, code: string, cursorPos: number): Completion {
    const cursor = codePointToIndex(code, cursorPos);
    let start = cursor;
    while (start > 0 && IDENTIFIER_CHAR.test(code[start - 1])) start--;
    const prefix = code.slice(start, cursor);
    const position = this.load(declarations, code);
    const info = this.service.getCompletionsAtPosition(this.fileName, position(cursor), {
      includeCompletionsWithInsertText: true,
    });
    const entries = (info?.entries ?? [])
      .filter((e) => e.name.startsWith(prefix) && !e.name.startsWith("__cellflow"))
      .sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
    const cursorStart = indexToCodePoint(code, start);
    const cursorEnd = cursorPos;
    const seen = new Set<string>();
    const unique = entries.filter((e) => !seen.has(e.name) && seen.add(e.name));
    return {
      matches: unique.map((e) => e.name),
      cursorStart,
      cursorEnd,
      types: unique.map((e) => ({ text: e.name, type: e.kind, start: cursorStart, end: cursorEnd })),
    };
  }

  /** The type and documentation of the name at (or just before) a code-point cursor, or null. */
  inspect(declarations: string, code: string, cursorPos: number): Inspection | null {
    const cursor = codePointToIndex(code, cursorPos);
    const position = this.load(declarations, code);
    const info =
      this.service.getQuickInfoAtPosition(this.fileName, position(cursor)) ??
      (cursor > 0 ? this.service.getQuickInfoAtPosition(this.fileName, position(cursor - 1)) : undefined);
    if (!info) return null;
    const ts = this.ts;
    const parts = [ts.displayPartsToString(info.displayParts)];
    const docs = ts.displayPartsToString(info.documentation);
    if (docs) parts.push(docs);
    for (const tag of info.tags ?? []) {
      const text = ts.displayPartsToString(tag.text);
      parts.push(`@${tag.name}${text ? ` ${text}` : ""}`);
    }
    return { text: parts.join("\n\n") };
  }
}

/** Loads the TypeScript compiler (slow: done on the first complete/inspect request, not at startup). */
export async function createCellLanguageService(cwd: string): Promise<CellLanguageService> {
  const ts = (await import("../src/cells/typescript.cjs")).default;
  // The same options cells are type-checked with (src/cells/type-check.ts).
  const { compilerOptions } = await import("../src/cells/type-check.js");
  return new CellLanguageService(ts, cwd, compilerOptions(cwd));
}
