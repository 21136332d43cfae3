// This session's inputs (and text outputs) for history_request: tail, range and glob search.

/** One executed input. */
export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output: string | null;
}

/** A history_reply row: [session, line, input] or, with output, [session, line, [input, output]]. */
export type HistoryRow = [number, number, string | [string, string | null]];

// Glob as IPython's history search uses it (SQLite GLOB over the whole input): * ? and [...].
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) source += "\\[";
      else {
        const body = pattern.slice(i + 1, end);
        source += `[${body.startsWith("^") ? `^${body.slice(1)}` : body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** The inputs of this kernel session, numbered by execution count. */
export class History {
  private readonly entries: HistoryEntry[] = [];

  /** @param session this session's number in replies (Jupyter's session 0 also means "the current one"). */
  constructor(readonly session = 1) {}

  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
  }

  setOutput(line: number, output: string): void {
    const entry = this.entries.findLast((e) => e.line === line);
    if (entry) entry.output = output;
  }

  /** The last n entries. */
  tail(n: number): HistoryEntry[] {
    return n > 0 ? this.entries.slice(-n) : [];
  }

  /** Lines start..stop-1 of this session (asked for as 0 or by its number; earlier sessions are not kept). */
  range(session: number, start: number, stop?: number): HistoryEntry[] {
    if (session !== 0 && session !== this.session) return [];
    return this.entries.filter((e) => e.line >= start && (stop === undefined || stop <= 0 || e.line < stop));
  }

  /** Entries whose whole input matches the glob; the last n of them; with unique, each input once (latest kept). */
  search(pattern: string, n?: number, unique = false): HistoryEntry[] {
    const re = globToRegExp(pattern || "*");
    let found = this.entries.filter((e) => re.test(e.input));
    if (unique) {
      const lastIndex = new Map(found.map((e, i) => [e.input, i]));
      found = found.filter((e, i) => lastIndex.get(e.input) === i);
    }
    return n !== undefined && n > 0 ? found.slice(-n) : found;
  }

  /** Entries as history_reply rows. */
  static rows(entries: HistoryEntry[], output: boolean): HistoryRow[] {
    return entries.map((e) => (output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
  }
}
