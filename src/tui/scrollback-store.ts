// The scrollback's entries (cell sources, values, errors, display() output, messages) in a store React subscribes to.

import stringWidth from "string-width";
import type { Tone } from "./theme.js";
import { escapeTerminal } from "../core/terminal-text.js";

export interface ScrollbackEntry {
  id: number;
  text: string;
  tone?: Tone;
  /** display() output keeps its id so `handle.update(...)` replaces it in place. */
  displayId?: string;
}

/** One screen line of the scrollback. */
export interface ScrollbackLine {
  key: string;
  text: string;
  tone?: Tone;
}

const MAX_ENTRIES = 2000;

/** Entries in order, and a version that changes on every change (for useSyncExternalStore). */
export class ScrollbackStore {
  private entries: ScrollbackEntry[] = [];
  private lineCache: { width: number; lines: ScrollbackLine[] } | null = null;
  private listeners = new Set<() => void>();
  private nextId = 1;
  version = 0;

  push(text: string, tone?: Tone, displayId?: string): void {
    this.entries.push({ id: this.nextId++, text: escapeTerminal(text), tone, displayId });
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    this.changed();
  }

  /** Replaces the display() output with this id; shows it as new when it is gone. */
  replace(displayId: string, text: string): void {
    const entry = this.entries.find((e) => e.displayId === displayId);
    if (!entry) return this.push(text, undefined, displayId);
    entry.text = escapeTerminal(text);
    this.changed();
  }

  all(): readonly ScrollbackEntry[] {
    return this.entries;
  }

  /** Every entry split into screen lines, long lines wrapped at `width` columns (computed once per change and width). */
  lines(width = Number.POSITIVE_INFINITY): ScrollbackLine[] {
    if (this.lineCache?.width !== width) {
      const lines = this.entries.flatMap((e) =>
        e.text
          .replace(/\t/g, "  ")
          .split("\n")
          .flatMap((line) => wrap(line, width))
          .map((text, i) => ({ key: `${e.id}:${i}`, text, tone: e.tone })),
      );
      this.lineCache = { width, lines };
    }
    return this.lineCache.lines;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  private changed(): void {
    this.lineCache = null;
    this.version++;
    for (const listener of this.listeners) listener();
  }
}

/** A line cut into pieces of at most `width` columns (wide characters count two), so nothing is cut off. */
export function wrap(line: string, width: number): string[] {
  if (width < 1 || !Number.isFinite(width) || stringWidth(line) <= width) return [line];
  const out: string[] = [];
  let piece = "";
  let used = 0;
  for (const char of line) {
    const w = stringWidth(char);
    if (used + w > width && piece) {
      out.push(piece);
      piece = "";
      used = 0;
    }
    piece += char;
    used += w;
  }
  out.push(piece);
  return out;
}
