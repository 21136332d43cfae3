// Builds rewritten cell code from pieces of the original, remembering where each piece came from.

interface Chunk {
  /** Offset in the generated text. */
  gen: number;
  /** Offset in the original text. */
  orig: number;
  len: number;
  /** Generated text that stands for one place of the original (a rewritten import): all of it maps there. */
  point?: boolean;
}

/**
 * A string builder over an original text: `copy()` appends an original span (and records it),
 * `insert()` appends new text. `originalOffset()` maps any generated offset back to the original,
 * which is how a cell's errors point at the user's own line and column.
 */
export class EditBuffer {
  private readonly parts: string[] = [];
  private readonly chunks: Chunk[] = [];
  private length = 0;

  constructor(readonly source: string) {}

  insert(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }

  /** Append new text that stands for the original statement at `orig`: errors inside it point there. */
  insertFor(text: string, orig: number): void {
    this.chunks.push({ gen: this.length, orig, len: text.length, point: true });
    this.parts.push(text);
    this.length += text.length;
  }

  copy(start: number, end: number): void {
    if (end <= start) return;
    this.chunks.push({ gen: this.length, orig: start, len: end - start });
    this.parts.push(this.source.slice(start, end));
    this.length += end - start;
  }

  toString(): string {
    return this.parts.join("");
  }

  /** The original offset of generated offset `gen`; inserted text maps to the next copied span. */
  originalOffset(gen: number): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (chunks[mid].gen <= gen) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found >= 0 && gen < chunks[found].gen + chunks[found].len) return chunks[found].point ? chunks[found].orig : chunks[found].orig + (gen - chunks[found].gen);
    const next = chunks[found + 1];
    if (next) return next.orig;
    const last = chunks[chunks.length - 1];
    return last ? last.orig + last.len : 0;
  }
}

/** Offsets where each line of `text` starts. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 0-based line and column of `offset` in a text with the given line starts. */
export function lineAndColumn(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: offset - starts[lo] };
}
