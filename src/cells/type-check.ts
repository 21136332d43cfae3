// Type diagnostics per cell: the cell is checked as a module that imports the declarations of earlier cells, by a
// TypeScript program that reuses every unchanged source file (libraries, @types, the declarations); in the checker's
// process, a cell (and declarations) that import what the last ones did are checked by the last program's own checker.
// The kernel's completion and hover share the compiler options (compilerOptions); the kernel, the terminal UI and
// `cellflow run --typecheck` share the checker.

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "./typescript.cjs";
import { DeclarationHistory, declaredNames, type CellDeclarations } from "./declarations.js";
import { CELL_PARSE_OPTIONS, parseCell } from "./compile.js";
import { cellError, type CellError } from "./cell-error.js";
import { insertAfterDirectives } from "./directives.js";

/** A type error in a cell, at the cell's own 1-based line and column. */
export interface CellDiagnostic {
  cell: number | string;
  line: number;
  column: number;
  message: string;
  /** TypeScript's error code, e.g. 2322 (0 when the compiler failed, see checkFailure). */
  code: number;
}

/** What `%typecheck` sets: refuse to run a cell with type errors, show them and run it, or do not check. */
export type TypecheckMode = "strict" | "warn" | "off";

export const TYPECHECK_MODES: readonly TypecheckMode[] = ["strict", "warn", "off"];

/** "cell 3, line 2, col 7: Type 'string' is not assignable to type 'number'. (TS2322)" */
export function describeDiagnostic(d: CellDiagnostic): string {
  return `cell ${d.cell}, line ${d.line}, col ${d.column}: ${d.message.split("\n")[0]}${d.code > 0 ? ` (TS${d.code})` : ""}`;
}

/** What is shown when the compiler itself threw on a cell (code 0: not a TypeScript diagnostic). */
export function checkFailure(cell: number | string, error: Error): CellDiagnostic {
  return { cell, line: 1, column: 1, message: `not type-checked: the TypeScript compiler failed (${error.message.split("\n")[0]})`, code: 0 };
}

// The package root: dist/src/cells/type-check.js → ../../..; src/cells/type-check.ts (tests) → ../..
const HERE = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT = [resolve(HERE, "../../.."), resolve(HERE, "../..")].find((dir) => existsSync(join(dir, "package.json"))) ?? resolve(HERE, "../..");

/** The compiler options cells are checked with (and completed, hovered): strict, ES2022, Node's types, `cellflow` = this package. */
export function compilerOptions(cwd: string): ts.CompilerOptions {
  const typeRoots = [join(cwd, "node_modules", "@types"), join(PACKAGE_ROOT, "node_modules", "@types")].filter(existsSync);
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    moduleDetection: ts.ModuleDetectionKind.Force,
    lib: ["lib.es2023.d.ts"],
    types: typeRoots.length > 0 ? ["node"] : [],
    typeRoots,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    allowJs: true,
    esModuleInterop: true,
    allowImportingTsExtensions: true,
    // Inside a cell `cellflow` is always the kernel's own copy, installed in the notebook's folder or not.
    paths: { cellflow: [join(PACKAGE_ROOT, "dist", "src", "index.d.ts")] },
  };
}

/**
 * Library and package files a checker parsed, by path (undefined: not found). Shared by checkers of any folder: the
 * type checker's startup snapshot (type-check-snapshot.ts) holds one filled by a warm-up.
 */
export type ParsedFiles = Map<string, ts.SourceFile | undefined>;

/**
 * The compiler's own library resolution (`/// <reference lib>`, the `lib` option), internal: not in its typings, in its
 * exports since TypeScript 5.0. Given to the host as `resolveLibrary`, with one cache for the checker's life: without
 * it every program builds a library resolution cache of its own (an object spread, then given one more property),
 * and V8 keeps such an object, and much of the program with it, through the next young-generation collection, so each
 * check's garbage was copied and promoted. Undefined (the compiler's default then) in a TypeScript without it.
 */
const RESOLVE_LIBRARY = (ts as unknown as { resolveLibrary?: ResolveLibrary }).resolveLibrary;
type ResolveLibrary = (name: string, from: string, options: ts.CompilerOptions, host: ts.ModuleResolutionHost, cache: ts.ModuleResolutionCache) => ts.ResolvedModuleWithFailedLookupLocations;

/**
 * A program of the compiler as the type checker's process evaluates it (compiler-patches.ts): it takes new versions of
 * its files (the cell, the declarations) for the type checker it has, when they read nothing the last ones did not
 * (the same imports, no `///` references, no global or module augmentations); false, and nothing changed, otherwise.
 * A new type checker merges every library's global declarations before it checks anything: most of a one-line cell's
 * check.
 */
type ReplaceableProgram = ts.Program & { cellflowReplaceFiles?: (files: ts.SourceFile[]) => boolean };
/** Cells one type checker checks before the next program gets its own: each leaves its types in the checker's caches. */
const MAX_REPLACED = 200;

const DECLARATIONS_MODULE = "__cellflow_cells__";
/** "Cannot find module" (2307, 2792) and "could not find a declaration file for module" (7016). */
const UNRESOLVED_MODULE = new Set([2307, 2792, 7016]);

/**
 * Checks cells one at a time against what earlier cells declared. Library and package files are parsed once per
 * checker; each check builds a program from the previous one, so only the cell (and the declarations, when they
 * changed) are parsed again.
 * @example
 * const checker = new CellTypeChecker(cwd);
 * checker.check(history.asModule(), 'const n: number = "a"', 3) // [{ cell: 3, line: 1, column: 7, message: "Type 'string' …", code: 2322 }]
 */
export class CellTypeChecker {
  private readonly options: ts.CompilerOptions;
  private readonly host: ts.CompilerHost;
  private readonly cellFile: string;
  private readonly declarationsFile: string;
  private cell: ts.SourceFile | undefined;
  private declarations: { text: string; file: ts.SourceFile } | undefined;
  private program: ts.Program | undefined;
  /** How many cells the program's type checker has checked since it was made. */
  private replaced = 0;
  private readonly modules: ts.ModuleResolutionCache;
  private readonly typeReferences: ts.TypeReferenceDirectiveResolutionCache;
  private readonly libraries: ts.ModuleResolutionCache;

  /** `files`: library and package files parsed already (by an earlier checker); this one adds what it parses. */
  constructor(
    cwd: string,
    private readonly files: ParsedFiles = new Map(),
  ) {
    this.options = compilerOptions(cwd);
    this.cellFile = join(cwd, "__cellflow_cell__.ts");
    this.declarationsFile = join(cwd, `${DECLARATIONS_MODULE}.ts`);
    const base = ts.createCompilerHost(this.options);
    const own = (file: string): ts.SourceFile | undefined => (file === this.cellFile ? this.cell : file === this.declarationsFile ? this.declarations?.file : undefined);
    const host: ts.CompilerHost = {
      ...base,
      // As tsc does: JSDoc is parsed only where it can type code (.js files); @types/node is mostly JSDoc, so loading
      // the libraries parses less. (Completion and hover, which show JSDoc, have their own language service.)
      jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
      getSourceFile: (file, language) => {
        const mine = own(file);
        if (mine) return mine;
        // Library and package files do not change while a session runs: parse each once.
        if (!this.files.has(file)) this.files.set(file, base.getSourceFile(file, language));
        return this.files.get(file);
      },
      fileExists: (file) => own(file) !== undefined || base.fileExists(file),
      readFile: (file) => own(file)?.text ?? base.readFile(file),
      // Without these, every program makes fresh resolution caches and reads each package.json of every library
      // file again (to learn its module format): about 40% of a warm check's time when profiled.
      getModuleResolutionCache: () => this.modules,
      resolveModuleNameLiterals: (names, containing, redirected, options, file) =>
        names.map((name) => ts.resolveModuleName(name.text, containing, options, host, this.modules, redirected, ts.getModeForUsageLocation(file, name, options))),
      resolveTypeReferenceDirectiveReferences: (refs, containing, redirected, options, file) =>
        refs.map((ref) => {
          const name = typeof ref === "string" ? ref : ref.fileName.toLowerCase();
          return ts.resolveTypeReferenceDirective(name, containing, options, host, redirected, this.typeReferences, ts.getModeForFileReference(ref, file?.impliedNodeFormat));
        }),
      // See RESOLVE_LIBRARY.
      ...(RESOLVE_LIBRARY && { resolveLibrary: (name: string, from: string, options: ts.CompilerOptions) => RESOLVE_LIBRARY(name, from, options, host, this.libraries) }),
    };
    this.host = host;
    const canonical = (file: string) => base.getCanonicalFileName(file);
    this.modules = ts.createModuleResolutionCache(cwd, canonical, this.options);
    this.typeReferences = ts.createTypeReferenceDirectiveResolutionCache(cwd, canonical, this.options, this.modules.getPackageJsonInfoCache());
    this.libraries = ts.createModuleResolutionCache(cwd, canonical, this.options, this.modules.getPackageJsonInfoCache());
  }

  /**
   * The last program, now holding `this.cell` (and the declarations, when they changed) for its own type checker to
   * check (see ReplaceableProgram), if it can: the last check resolved every module, and the checker has not checked
   * too many cells yet. Undefined otherwise.
   */
  private checkedAgain(): ts.Program | undefined {
    const program = this.program as ReplaceableProgram | undefined;
    if (!program?.cellflowReplaceFiles || !this.cell || !this.lastCheckReusable || this.replaced >= MAX_REPLACED) return undefined;
    // The program has the declarations file when its cell imported from it (a cell that does not, after none did,
    // does not import it either; one that does after none did imports what the last one did not).
    const declarations = program.getSourceFile(this.declarationsFile);
    const changed = declarations && this.declarations && declarations !== this.declarations.file ? [this.declarations.file] : [];
    if (!program.cellflowReplaceFiles([...changed, this.cell])) return undefined;
    this.replaced++;
    return program;
  }

  /**
   * Whether the last check's result holds for the same cell and declarations later: false when a module did not
   * resolve (the next check resolves every module afresh, and may find it installed meanwhile).
   */
  lastCheckReusable = true;

  /** The type errors of `code` run after the cells whose declarations are `declarations` (`history.asModule()`). */
  check(declarations: CellDeclarations, code: string, cellId: number | string): CellDiagnostic[] {
    const { source, names } = declarations;
    if (this.declarations?.text !== source) this.declarations = { text: source, file: ts.createSourceFile(this.declarationsFile, source, CELL_PARSE_OPTIONS, true) };
    // The cell imports the earlier names it does not declare again (its own statements follow the import). Only those
    // it mentions, at first: every import is checked, so 50 earlier cells made a one-line cell's check three times as
    // long. A name the cell never mentions changes none of its types, but a type error's message may name any name in
    // scope ("Did you mean 'v1'?"): a cell with type errors is checked again importing every earlier name.
    // Once earlier cells declared something, a cell that mentions none of it imports `{}` from their module all the
    // same: a cell that imports what the last one did is checked by the last program's type checker in the checker's
    // process (~0.5 ms a check; elsewhere its program keeps the last one's structure, ~1 ms), one whose imports differ
    // gets a new program and checker (~3 ms more, 8–10 before V8 has compiled the checker).
    const own = parseCell(code, this.cellFile);
    const redeclared = new Set(own.statements.flatMap(declaredNames));
    const importable = names.filter((n) => !redeclared.has(n));
    const mentioned = importable.length > 0 ? identifiersIn(own) : new Set<string>();
    const imported = importable.filter((n) => mentioned.has(n));
    const linked = names.length > 0;
    try {
      let found = this.diagnose(own, code, linked, imported, cellId);
      if (found.length > 0 && imported.length < importable.length) found = this.diagnose(own, code, linked, importable, cellId);
      return found;
    } catch (error) {
      // The compiler failed (the caller reports it): the next check starts from a new program, not from what this
      // one may have left half done.
      this.program = undefined;
      throw error;
    }
  }

  /** Checks the cell (`own`: parsed without imports); if `linked`, importing `imported` (maybe none: `{}`) from the declarations. */
  private diagnose(own: ts.SourceFile, code: string, linked: boolean, imported: string[], cellId: number | string): CellDiagnostic[] {
    const importLine = linked ? `import { ${imported.join(", ")} } from "./${DECLARATIONS_MODULE}";\n` : "";
    // After the cell's leading `///` directives, which the compiler reads only before the first statement.
    const linkedCell = insertAfterDirectives(ts, code, importLine);
    this.cell = importLine ? parseCell(linkedCell.code, this.cellFile) : own;
    let program = this.checkedAgain();
    if (!program) {
      program = this.program = ts.createProgram({ rootNames: [this.cellFile], options: this.options, host: this.host, oldProgram: this.program });
      this.replaced = 0;
    }
    const file = program.getSourceFile(this.cellFile)!;
    // `// @ts-nocheck` at the cell's top (the compiler's own reading of it, internal): syntax errors only, as tsc
    // reports. The import line before the cell would hide it from the compiler.
    const noCheck = (own as ts.SourceFile & { checkJsDirective?: { enabled: boolean } }).checkJsDirective?.enabled === false;
    const found = [...program.getSyntacticDiagnostics(file), ...(noCheck ? [] : program.getSemanticDiagnostics(file))];
    // A module that did not resolve may be installed before the next cell: resolve everything afresh then.
    this.lastCheckReusable = !found.some((d) => UNRESOLVED_MODULE.has(d.code));
    if (!this.lastCheckReusable) {
      this.modules.clear();
      this.typeReferences.clear();
    }
    const out: CellDiagnostic[] = [];
    for (const d of found) {
      // Where it is in the cell as typed (none on the import line).
      const start = d.start === undefined ? undefined : linkedCell.original(d.start);
      if (start === undefined || d.category !== ts.DiagnosticCategory.Error) continue;
      const where = ts.getLineAndCharacterOfPosition(own, start);
      out.push({ cell: cellId, line: where.line + 1, column: where.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), code: d.code });
    }
    return out;
  }
}

/** Every identifier written in `node` (property names and the like included: a superset of the names it uses). */
function identifiersIn(node: ts.Node, into = new Set<string>()): Set<string> {
  if (ts.isIdentifier(node)) into.add(node.text);
  ts.forEachChild(node, (child) => void identifiersIn(child, into));
  return into;
}

/** Checks a notebook's cells in order without running them (for `cellflow run --typecheck`). */
export function typeCheckCells(cells: { id: number | string; source: string }[], cwd: string): CellDiagnostic[] {
  const checker = new CellTypeChecker(cwd);
  const history = new DeclarationHistory();
  const out: CellDiagnostic[] = [];
  for (const cell of cells) {
    out.push(...checker.check(history.asModule(), cell.source, cell.id));
    history.record(parseCell(cell.source));
  }
  return out;
}

/** The error of a cell `%typecheck strict` refused to run: placed at its first type error. */
export function typeErrorOf(diagnostics: CellDiagnostic[]): CellError {
  const [first] = diagnostics;
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
  const message = `${first.message.split("\n")[0]}${more}`;
  const stack = [`TypeScriptError: ${message}`, ...diagnostics.map((d) => `    at cell[${d.cell}]:${d.line}:${d.column} TS${d.code}: ${d.message.split("\n")[0]}`)].join("\n");
  return cellError({ kind: "type", name: "TypeScriptError", message, cell: first.cell, line: first.line, column: first.column, stack });
}
