// Keeps the TypeScript declarations of cells run so far, latest definition of each name winning.

import ts from "./typescript.cjs";
import { collectBindingNames } from "./rewrite.js";

/** Earlier cells' declarations as one module exporting every name, and those names (what a type check imports). */
export interface CellDeclarations {
  source: string;
  names: string[];
}

interface DeclarationEntry {
  names: string[];
  text: string;
}

/**
 * The declarations (imports, variables, functions, classes, types) of every cell run, so a
 * language service can type later cells. A statement is dropped once a later cell declares all of
 * its names again, so redeclaring a name does not read as a duplicate.
 */
export class DeclarationHistory {
  private entries: DeclarationEntry[] = [];
  private module: CellDeclarations | undefined;

  /** Records the top-level declarations of a cell that was run. */
  record(sf: ts.SourceFile): void {
    const added: DeclarationEntry[] = [];
    for (const statement of sf.statements) {
      const names = declaredNames(statement);
      if (names.length) added.push({ names, text: statement.getText(sf) });
    }
    if (!added.length) return;
    const redeclared = new Set(added.flatMap((e) => e.names));
    this.entries = this.entries.filter((e) => !e.names.every((n) => redeclared.has(n))).concat(added);
    this.module = undefined;
  }

  /** The declarations as a module exporting every name (a checked cell imports them), and those names: the same object until a cell declares something. */
  asModule(): CellDeclarations {
    if (this.module) return this.module;
    const names = [...new Set(this.entries.flatMap((e) => e.names))];
    const exports = names.length > 0 ? `\nexport { ${names.join(", ")} };\n` : "\nexport {};\n";
    this.module = { source: this.entries.map((e) => e.text).join("\n") + exports, names };
    return this.module;
  }

  /** The recorded declarations as one TypeScript module's source. */
  source(): string {
    return this.entries.map((e) => e.text).join("\n") + (this.entries.length ? "\nexport {};\n" : "");
  }
}

/** The top-level names a statement declares (values and types). */
export function declaredNames(statement: ts.Statement): string[] {
  const names = new Set<string>();
  if (ts.isVariableStatement(statement)) {
    for (const d of statement.declarationList.declarations) collectBindingNames(d.name, names);
  } else if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (clause?.name) names.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    else for (const e of bindings?.elements ?? []) names.add(e.name.text);
  } else if (
    (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement) ||
      ts.isImportEqualsDeclaration(statement)) &&
    statement.name && ts.isIdentifier(statement.name)
  ) {
    names.add(statement.name.text);
  }
  return [...names];
}
