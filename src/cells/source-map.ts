// Minimal source map reader: decodes "mappings" and finds the original place of a generated one.

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Per generated line: [generatedColumn, originalLine, originalColumn] segments, sorted. */
export type DecodedMap = number[][][];

/** Decodes a version-3 source map's `mappings` (single source; names ignored). */
export function decodeMappings(mappings: string): DecodedMap {
  const lines: DecodedMap = [];
  let srcLine = 0;
  let srcCol = 0;
  for (const lineText of mappings.split(";")) {
    const segments: number[][] = [];
    let genCol = 0;
    for (const segment of lineText.split(",")) {
      if (!segment) continue;
      const values = decodeVlq(segment);
      genCol += values[0];
      if (values.length >= 4) {
        srcLine += values[2];
        srcCol += values[3];
        segments.push([genCol, srcLine, srcCol]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The original 0-based line/column of a generated 0-based line/column, if mapped. */
export function originalPosition(map: DecodedMap, line: number, column: number): { line: number; column: number } | undefined {
  for (let l = Math.min(line, map.length - 1); l >= 0; l--) {
    const segments = map[l];
    if (!segments.length) continue;
    let best = l === line ? undefined : segments[segments.length - 1];
    if (l === line) {
      for (const seg of segments) {
        if (seg[0] <= column) best = seg;
        else break;
      }
      best ??= segments[0];
    }
    return best ? { line: best[1], column: best[2] + (l === line ? Math.max(0, column - best[0]) : 0) } : undefined;
  }
  return undefined;
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char) ?? 0;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
