// Rewrites one TypeScript cell so its top-level declarations land in a scope shared across cells.
//
// Top-level `const/let/var/class/function/enum/namespace` and `import` become assignments to
// global bindings the runtime declares beforehand (so a later cell may declare a name again and
// closures see the latest value); `import()` and `import.meta` go through the runtime's helper;
// the last expression is returned; the whole cell runs inside an (async when needed) arrow.

import ts from "./typescript.cjs";
import { EditBuffer } from "./edit-buffer.js";

/** The global through which rewritten cells reach the runtime (imports, import.meta). */
export const HELPER = "__cellflowCell__";

export interface RewrittenCell {
  /** The rewritten code: still TypeScript when `hasTypeScript`, else plain JavaScript. */
  buffer: EditBuffer;
  /** Names the cell declares at top level (each becomes a shared global binding). */
  names: string[];
  /** True when the cell uses TypeScript-only syntax, so types must be stripped before running. */
  hasTypeScript: boolean;
  /** True when the last statement is an expression whose value is returned. */
  returnsValue: boolean;
  /** True when the cell awaits at top level (runs in an async arrow). */
  isAsync: boolean;
}

type Edit = { start: number; end: number; emit: () => void };

const NONE: ReadonlySet<string> = new Set();

const STRIPPED_MODIFIERS = new Set([ts.SyntaxKind.ExportKeyword, ts.SyntaxKind.DefaultKeyword]);
const TS_ONLY_KINDS = new Set([
  ts.SyntaxKind.InterfaceDeclaration, ts.SyntaxKind.TypeAliasDeclaration, ts.SyntaxKind.EnumDeclaration,
  ts.SyntaxKind.ModuleDeclaration, ts.SyntaxKind.ImportEqualsDeclaration, ts.SyntaxKind.AsExpression,
  ts.SyntaxKind.SatisfiesExpression, ts.SyntaxKind.NonNullExpression, ts.SyntaxKind.TypeAssertionExpression,
  ts.SyntaxKind.Decorator, ts.SyntaxKind.TypeParameter, ts.SyntaxKind.PublicKeyword, ts.SyntaxKind.PrivateKeyword,
  ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.ReadonlyKeyword, ts.SyntaxKind.AbstractKeyword,
  ts.SyntaxKind.DeclareKeyword, ts.SyntaxKind.OverrideKeyword, ts.SyntaxKind.AccessorKeyword,
  ts.SyntaxKind.IndexSignature,
]);

/**
 * Rewrites a parsed cell (see the module comment). The source file must have parent pointers.
 * `keep` names top-level bindings the cell must not assign (a newer cell defined them): their declarations are
 * left out, so replaying an old cell cannot bring back a definition the user replaced.
 */
export function rewriteCell(sf: ts.SourceFile, keep: ReadonlySet<string> = NONE): RewrittenCell {
  const out = new EditBuffer(sf.text);
  const edits: Edit[] = [];
  const names = new Set<string>();
  const state = { hasTypeScript: false, isAsync: false };
  const statements = sf.statements.filter((s) => !ts.isEmptyStatement(s));

  const copy = (start: number, end: number): void => {
    let cursor = start;
    for (const edit of edits) {
      if (edit.start < cursor || edit.end > end) continue;
      out.copy(cursor, edit.start);
      edit.emit();
      cursor = edit.end;
    }
    out.copy(cursor, end);
  };
  const copyNode = (node: ts.Node): void => copy(node.getStart(sf), node.end);

  const renderDeclarations = (list: ts.VariableDeclarationList, asStatement: boolean, inForInOf: boolean, topLevel = false): void => {
    const isVar = (list.flags & ts.NodeFlags.BlockScoped) === 0;
    let first = true;
    for (const decl of list.declarations) {
      collectBindingNames(decl.name, names);
      if (topLevel && ts.isIdentifier(decl.name) && keep.has(decl.name.text)) continue;
      if (inForInOf) {
        first = false;
        copyNode(decl.name);
        continue;
      }
      if (!decl.initializer && (isVar || !ts.isIdentifier(decl.name))) continue;
      out.insert(first ? (asStatement ? ";" : "") : ", ");
      first = false;
      const pattern = !ts.isIdentifier(decl.name);
      if (pattern) out.insert("(");
      copyNode(decl.name);
      out.insert(" = ");
      if (decl.initializer) copyNode(decl.initializer);
      else out.insert("void 0");
      if (pattern) out.insert(")");
    }
    if (first && !asStatement) out.insert("void 0");
  };

  // One walk: nested rewrites as edits, TypeScript-only syntax, top-level await.
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (isTypeScriptOnly(node)) state.hasTypeScript = true;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const keyword = node.expression;
      edits.push({ start: keyword.getStart(sf), end: keyword.end, emit: () => out.insert(`${HELPER}.import`) });
    } else if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      edits.push({ start: node.getStart(sf), end: node.end, emit: () => out.insert(`${HELPER}.meta`) });
      return;
    } else if (!inFunction && (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier))) {
      state.isAsync = true;
    } else if (!inFunction && ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === 0) {
      // A `var` in a top-level block or loop head belongs to the cell's scope, so share it too.
      const list = node;
      const parent = list.parent;
      const inForInOf = ts.isForInStatement(parent) || ts.isForOfStatement(parent);
      const asStatement = ts.isVariableStatement(parent);
      edits.push({ start: list.getStart(sf), end: list.end, emit: () => renderDeclarations(list, asStatement, inForInOf) });
    }
    const entersFunction = inFunction || ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node);
    ts.forEachChild(node, (child) => visit(child, entersFunction));
  };

  const hoisted: ts.FunctionDeclaration[] = [];
  const body: (() => void)[] = [];
  let returnsValue = false;
  statements.forEach((statement, index) => {
    const last = index === statements.length - 1;
    if (isAmbientOrTypeOnly(statement)) return;
    for (const modifier of ts.getModifiers(statement as ts.HasModifiers) ?? []) {
      if (STRIPPED_MODIFIERS.has(modifier.kind)) {
        edits.push({ start: modifier.getStart(sf), end: modifier.end, emit: () => undefined });
      }
    }
    if (ts.isVariableStatement(statement)) {
      ts.forEachChild(statement.declarationList, (child) => visit(child, false));
      body.push(() => {
        renderDeclarations(statement.declarationList, true, false, true);
        out.insert(";");
      });
      return;
    }
    visit(statement, false);
    if (ts.isImportDeclaration(statement)) {
      state.isAsync = true;
      // A failed import points at its own statement, not at the next line of the cell.
      const code = renderImport(statement, names);
      body.push(() => out.insertFor(code, statement.getStart(sf)));
    } else if (ts.isImportEqualsDeclaration(statement)) {
      names.add(statement.name.text);
      const ref = statement.moduleReference;
      if (ts.isExternalModuleReference(ref)) {
        state.isAsync = true;
        const spec = JSON.stringify((ref.expression as ts.StringLiteral).text);
        body.push(() => out.insertFor(`;${statement.name.text} = (await ${HELPER}.import(${spec})).default;`, statement.getStart(sf)));
      } else body.push(() => (out.insert(`;${statement.name.text} = `), copyNode(ref), out.insert(";")));
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      names.add(statement.name.text);
      if (keep.has(statement.name.text)) return;
      hoisted.push(statement);
      // `f = function () {}` still names it "f", and type stripping cannot rename a name it lacks.
      const fnName = statement.name;
      edits.push({ start: fnName.getStart(sf), end: fnName.end, emit: () => undefined });
    } else if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement)) && !statement.name) {
      body.push(() => (out.insert(";("), copyNode(statement), out.insert(");")));
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      const name = statement.name.text;
      names.add(name);
      if (keep.has(name)) return;
      body.push(() => (out.insert(`;${name} = `), copyNode(statement), out.insert(";")));
    } else if (ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) {
      const name = (statement.name as ts.Identifier).text;
      names.add(name);
      if (keep.has(name)) return;
      body.push(() => (out.insert(`;${name} = (() => { `), copyNode(statement), out.insert(`\nreturn ${name}; })();`)));
    } else if (ts.isExportDeclaration(statement) || (ts.isExportAssignment(statement) && statement.isExportEquals)) {
      return;
    } else if (last && (ts.isExpressionStatement(statement) || ts.isExportAssignment(statement))) {
      returnsValue = true;
      body.push(() => (out.insert(";return ("), copyNode(statement.expression), out.insert(");")));
    } else {
      body.push(() => copyNode(statement));
    }
  });
  edits.sort((a, b) => a.start - b.start);

  out.insert(`(${state.isAsync ? "async " : ""}() => {"use strict";const ${HELPER} = globalThis.${HELPER};\n`);
  for (const fn of hoisted) {
    out.insert(`;${fn.name!.text} = `);
    copyNode(fn);
    out.insert(";\n");
  }
  for (const emit of body) {
    emit();
    out.insert("\n");
  }
  out.insert("})()");
  return { buffer: out, names: [...names], hasTypeScript: state.hasTypeScript, returnsValue, isAsync: state.isAsync };
}

/** Statements that produce no code: types, ambient declarations, `import type`. */
export function isAmbientOrTypeOnly(statement: ts.Statement): boolean {
  if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) return true;
  if (ts.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return true;
  if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) return true;
  if (ts.isImportEqualsDeclaration(statement) && statement.isTypeOnly) return true;
  if (ts.isModuleDeclaration(statement) && !ts.isIdentifier(statement.name)) return true;
  if (ts.isFunctionDeclaration(statement) && !statement.body) return true; // an overload signature
  return false;
}

/** Adds every identifier a binding name or pattern declares. */
export function collectBindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) into.add(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) collectBindingNames(element.name, into);
}

function renderImport(node: ts.ImportDeclaration, names: Set<string>): string {
  const spec = JSON.stringify((node.moduleSpecifier as ts.StringLiteral).text);
  const type = importType(node);
  const call = `await ${HELPER}.import(${spec}${type ? `, { with: { type: ${JSON.stringify(type)} } }` : ""})`;
  const clause = node.importClause;
  if (!clause) return `;${call};`;
  const defaultName = clause.name?.text;
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    const ns = bindings.name.text;
    names.add(ns);
    if (defaultName) names.add(defaultName);
    return `;${ns} = ${call};${defaultName ? ` ${defaultName} = ${ns}.default;` : ""}`;
  }
  const parts: string[] = [];
  if (defaultName) {
    names.add(defaultName);
    parts.push(`default: ${defaultName}`);
  }
  for (const element of bindings?.elements ?? []) {
    if (element.isTypeOnly) continue;
    const local = element.name.text;
    names.add(local);
    const imported = element.propertyName ? (ts.isIdentifier(element.propertyName) ? element.propertyName.text : JSON.stringify(element.propertyName.text)) : local;
    parts.push(imported === local ? local : `${imported}: ${local}`);
  }
  return parts.length ? `;({ ${parts.join(", ")} } = ${call});` : `;${call};`;
}

function importType(node: ts.ImportDeclaration): string | undefined {
  const attributes = (node as { attributes?: ts.ImportAttributes }).attributes;
  for (const element of attributes?.elements ?? []) {
    if (element.name.text === "type" && ts.isStringLiteral(element.value)) return element.value.text;
  }
  return undefined;
}

function isTypeScriptOnly(node: ts.Node): boolean {
  if (TS_ONLY_KINDS.has(node.kind)) return true;
  if (ts.isExpressionWithTypeArguments(node)) {
    const clause = node.parent;
    return !!node.typeArguments || (ts.isHeritageClause(clause) && clause.token === ts.SyntaxKind.ImplementsKeyword);
  }
  if (ts.isTypeNode(node)) return true;
  if ((ts.isParameter(node) || ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node)) && node.questionToken) return true;
  if ((ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) && node.exclamationToken) return true;
  return false;
}
