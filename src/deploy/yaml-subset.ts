// A small YAML subset for cellflow.yaml: block mappings and sequences by indentation, plain and quoted scalars,
// comments, and flow collections ([1, 2], {a: 1}). Anchors, tags and multi-line strings are refused by name.

import { CellflowError } from "../core/errors.js";

interface Line {
  no: number;
  indent: number;
  text: string;
}

function fail(file: string, no: number, message: string): never {
  throw new CellflowError("DEPLOYMENT", `${file} line ${no}: ${message}`, "write plain YAML mappings, lists and scalars (or JSON)");
}

/** Drop a trailing comment: a '#' at the start or after a space, outside quotes. */
function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || text[i - 1] === " ")) return text.slice(0, i);
  }
  return text;
}

function toLines(source: string, file: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    if (raw.includes("\t") && /^\s*\t/.test(raw)) fail(file, index + 1, "tabs are not allowed for indentation");
    const text = stripComment(raw).trimEnd();
    if (text.trim() === "" || text.trim() === "---") return;
    lines.push({ no: index + 1, indent: text.length - text.trimStart().length, text: text.trim() });
  });
  return lines;
}

/** A scalar or flow collection written on one line. */
function parseInline(text: string, file: string, no: number): unknown {
  const value = text.trim();
  if (/^[&*!|>]/.test(value)) fail(file, no, `'${value[0]}' (anchors, tags, block strings) is not supported`);
  if (value.startsWith("[") || value.startsWith("{")) {
    try {
      return JSON.parse(value);
    } catch {
      return new FlowParser(value, file, no).parseAll();
    }
  }
  if (value.startsWith('"')) {
    try {
      return JSON.parse(value);
    } catch {
      fail(file, no, `bad double-quoted string ${value}`);
    }
  }
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) fail(file, no, `unterminated single-quoted string ${value}`);
    return value.slice(1, -1).replace(/''/g, "'");
  }
  if (value === "" || value === "~" || value === "null") return null;
  if (value === "true") return true;
  if (value === "false") return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) return Number(value);
  return value;
}

/** Flow collections with plain scalars: [a, b], {k: v, n: [1, 2]}. */
class FlowParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly file: string,
    private readonly no: number,
  ) {}
  parseAll(): unknown {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) fail(this.file, this.no, `unexpected '${this.s.slice(this.i)}'`);
    return v;
  }
  private ws(): void {
    while (this.s[this.i] === " ") this.i++;
  }
  private value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "[") return this.seq();
    if (c === "{") return this.map();
    return this.scalar();
  }
  private scalar(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '"' || c === "'") {
      const end = this.s.indexOf(c, this.i + 1);
      if (end < 0) fail(this.file, this.no, "unterminated string");
      const raw = this.s.slice(this.i, end + 1);
      this.i = end + 1;
      return parseInline(raw, this.file, this.no);
    }
    const m = /^[^,\]}:]*(:(?! )[^,\]}:]*)*/.exec(this.s.slice(this.i))!;
    this.i += m[0].length;
    return parseInline(m[0], this.file, this.no);
  }
  private expect(c: string): void {
    this.ws();
    if (this.s[this.i] !== c) fail(this.file, this.no, `expected '${c}' in ${this.s}`);
    this.i++;
  }
  private seq(): unknown[] {
    this.expect("[");
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === "]") return this.i++, out;
    for (;;) {
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else return this.expect("]"), out;
    }
  }
  private map(): Record<string, unknown> {
    this.expect("{");
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.i] === "}") return this.i++, out;
    for (;;) {
      const key = String(this.scalar());
      this.expect(":");
      out[key] = this.value();
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else return this.expect("}"), out;
    }
  }
}

const KEY = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^'"][^:]*?)\s*:(?:\s+(.*)|$)/;

class BlockParser {
  private i = 0;
  constructor(
    private readonly lines: Line[],
    private readonly file: string,
  ) {}

  parseDocument(): unknown {
    if (this.lines.length === 0) return null;
    const value = this.node(this.lines[0].indent);
    if (this.i < this.lines.length) fail(this.file, this.lines[this.i].no, "unexpected indentation");
    return value;
  }

  private isItem(line: Line): boolean {
    return line.text === "-" || line.text.startsWith("- ");
  }

  private node(indent: number): unknown {
    const line = this.lines[this.i];
    if (this.isItem(line)) return this.sequence(indent);
    if (KEY.test(line.text) && !line.text.startsWith("[") && !line.text.startsWith("{")) return this.mapping(indent);
    this.i++;
    return parseInline(line.text, this.file, line.no);
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.i < this.lines.length && this.lines[this.i].indent === indent && this.isItem(this.lines[this.i])) {
      const line = this.lines[this.i];
      const rest = line.text.slice(1).trimStart();
      if (rest === "") {
        this.i++;
        out.push(this.child(indent, line));
      } else {
        // "- key: value" opens a mapping whose keys line up with "key".
        this.lines[this.i] = { no: line.no, indent: indent + (line.text.length - rest.length), text: rest };
        out.push(this.node(this.lines[this.i].indent));
      }
    }
    return out;
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.i < this.lines.length && this.lines[this.i].indent === indent && !this.isItem(this.lines[this.i])) {
      const line = this.lines[this.i];
      const m = KEY.exec(line.text);
      if (!m) fail(this.file, line.no, `expected 'key: value', got '${line.text}'`);
      const key = String(parseInline(m[1], this.file, line.no));
      if (Object.prototype.hasOwnProperty.call(out, key)) fail(this.file, line.no, `key '${key}' is given twice`);
      this.i++;
      out[key] = m[2] !== undefined && m[2] !== "" ? parseInline(m[2], this.file, line.no) : this.child(indent, line, true);
    }
    return out;
  }

  /** The nested block under a line; a list may sit at its key's own indentation, as YAML allows. */
  private child(indent: number, parent: Line, sameIndentList = false): unknown {
    const next = this.lines[this.i];
    if (!next) return null;
    if (next.indent > indent) return this.node(next.indent);
    if (sameIndentList && next.indent === indent && this.isItem(next)) return this.sequence(indent);
    if (next.indent > parent.indent) fail(this.file, next.no, "unexpected indentation");
    return null;
  }
}

/**
 * Parse the YAML subset (JSON is a subset of it too).
 * @example parseYaml("deployments:\n  - name: nightly\n    entrypoint: flows/etl.ts", "cellflow.yaml")
 */
export function parseYaml(source: string, file = "cellflow.yaml"): unknown {
  return new BlockParser(toLines(source, file), file).parseDocument();
}
