// The scrollback's entries (cell sources, values, errors, display() output, messages) in a store React subscribes to.

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
  private lineCache: ScrollbackLine[] | null = null;
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

  /** Every entry split into screen lines (computed once per change). */
  lines(): ScrollbackLine[] {
    this.lineCache ??= this.entries.flatMap((e) =>
      e.text.replace(/\t/g, "  ").split("\n").map((text, i) => ({ key: `${e.id}:${i}`, text, tone: e.tone })),
    );
    return this.lineCache;
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
