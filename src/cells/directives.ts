// Where code may be put in front of a cell: after its leading `///` directives (`/// <reference lib="dom" />`), which
// the compiler reads only before a file's first statement. The type checker puts its import of earlier names there,
// the language service the earlier cells' declarations. Light: the compiler is passed in, not loaded.

import type TS from "typescript";

/**
 * Where the line after the cell's last leading `///` directive starts: 0 without one, the cell's end if it ends on
 * that line. A comment that is not a directive (`// @ts-expect-error`) stays next to the statement it may be about.
 */
function afterDirectives(ts: Pick<typeof TS, "getLeadingCommentRanges">, code: string): number {
  const directives = (ts.getLeadingCommentRanges(code, 0) ?? []).filter((c) => code.startsWith("///", c.pos));
  if (directives.length === 0) return 0;
  const newline = code.indexOf("\n", directives[directives.length - 1].end);
  return newline === -1 ? code.length : newline + 1;
}

/** A cell with whole lines put in after its leading directives (see insertAfterDirectives). */
export interface InsertedCell {
  code: string;
  /** Where an index of the cell went. */
  position(index: number): number;
  /** The index in the cell of an index of `code`; undefined in the lines put in. */
  original(index: number): number | undefined;
}

/** `code` with `text` (whole lines, ending in a newline) put in after its leading directives. */
export function insertAfterDirectives(ts: Pick<typeof TS, "getLeadingCommentRanges">, code: string, text: string): InsertedCell {
  const at = text === "" ? 0 : afterDirectives(ts, code);
  const inserted = at > 0 && code[at - 1] !== "\n" ? `\n${text}` : text;
  return {
    code: code.slice(0, at) + inserted + code.slice(at),
    position: (index) => (index < at ? index : index + inserted.length),
    original: (index) => (index < at ? index : index < at + inserted.length ? undefined : index - inserted.length),
  };
}
