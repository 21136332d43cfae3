// Jupyter's is_complete for TypeScript: does the code parse, need more lines, or never parse?

import ts from "./typescript.cjs";
import { parseCell } from "./compile.js";

/**
 * "complete" when the code parses; "incomplete" when it is cut short (an unclosed bracket,
 * string, template or comment, or an error only at the very end, as after `const x =`);
 * "invalid" when more lines cannot fix it.
 */
export function isComplete(code: string): "complete" | "incomplete" | "invalid" {
  if (!code.trim()) return "complete";
  const sf = parseCell(code);
  const diagnostics = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.length === 0) return "complete";
  if (isCutShort(code)) return "incomplete";
  const end = code.trimEnd().length;
  return diagnostics.every((d) => (d.start ?? 0) >= end) ? "incomplete" : "invalid";
}

const REGEX_MAY_FOLLOW = new Set([
  ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.OpenBraceToken, ts.SyntaxKind.CommaToken,
  ts.SyntaxKind.EqualsToken, ts.SyntaxKind.ColonToken, ts.SyntaxKind.SemicolonToken, ts.SyntaxKind.ReturnKeyword,
  ts.SyntaxKind.ExclamationToken, ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionToken, ts.SyntaxKind.EqualsGreaterThanToken, ts.SyntaxKind.Unknown,
]);

/** Scans tokens, tracking open brackets and `${` of templates, and unterminated literals. */
function isCutShort(code: string): boolean {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  const open: ts.SyntaxKind[] = [];
  let previous = ts.SyntaxKind.Unknown;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SlashToken || token === ts.SyntaxKind.SlashEqualsToken) {
      if (REGEX_MAY_FOLLOW.has(previous)) token = scanner.reScanSlashToken();
    }
    if (token === ts.SyntaxKind.CloseBraceToken && open[open.length - 1] === ts.SyntaxKind.TemplateHead) {
      token = scanner.reScanTemplateToken(false);
      if (token === ts.SyntaxKind.TemplateTail) open.pop();
    } else if (token === ts.SyntaxKind.TemplateHead || token === ts.SyntaxKind.OpenBraceToken) open.push(token);
    else if (token === ts.SyntaxKind.OpenParenToken || token === ts.SyntaxKind.OpenBracketToken) open.push(token);
    else if (token === ts.SyntaxKind.CloseBraceToken || token === ts.SyntaxKind.CloseParenToken || token === ts.SyntaxKind.CloseBracketToken) {
      if (!open.length) return false;
      open.pop();
    }
    if (scanner.isUnterminated()) return true;
    if (token !== ts.SyntaxKind.WhitespaceTrivia && token !== ts.SyntaxKind.NewLineTrivia &&
        token !== ts.SyntaxKind.SingleLineCommentTrivia && token !== ts.SyntaxKind.MultiLineCommentTrivia) previous = token;
  }
  return open.length > 0;
}
