// The engine's in-memory result cache: the results of the last `limit` task runs remembered, by cache key, in flat
// columns. A Map of entry objects kept each entry's object, cache key, task run id and result ref on V8's heap for
// thousands of task runs: longer than a young-generation cycle, so every one was promoted and died in the old space
// (~320 B per task run, 32 MB of garbage over a 100,000-task `cellflow run`, reclaimed only by a full GC). Here the
// strings are bytes in buffers and the index is an open-addressing table: a remembered result allocates nothing that
// outlives the call, but the value itself.

export interface MemoEntry {
  taskRunId: string;
  flowRunId: string | null;
  value: unknown;
  resultRef: string | null;
  expires: number | null;
}

/** A column's length byte for null, and for a string kept in `others`. */
const NULL_TEXT = 254;
const OTHER_TEXT = 255;

/** Short strings (cache keys, ids, digests) stored as Latin-1 bytes, `width` per slot. */
class TextColumn {
  private readonly bytes: Buffer;
  private readonly lengths: Uint8Array;
  /** Strings that do not fit (longer than the width, or beyond Latin-1), by slot. */
  private others: Map<number, string> | null = null;

  constructor(
    private readonly width: number,
    capacity: number,
  ) {
    this.bytes = Buffer.alloc(width * capacity);
    this.lengths = new Uint8Array(capacity);
  }

  /**
   * Keep `text` in `slot`: as bytes when it is no longer than the width and has no character past Latin-1. Written
   * character by character: for strings this short a loop costs less than a regex test and Buffer.write's call into
   * C++ (three per remembered result).
   */
  set(slot: number, text: string | null): void {
    this.others?.delete(slot);
    if (text === null) {
      this.lengths[slot] = NULL_TEXT;
      return;
    }
    if (text.length <= this.width) {
      const at = slot * this.width;
      let i = 0;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0xff) break;
        this.bytes[at + i] = code;
      }
      if (i === text.length) {
        this.lengths[slot] = i;
        return;
      }
    }
    (this.others ??= new Map()).set(slot, text);
    this.lengths[slot] = OTHER_TEXT;
  }

  /** Whether `slot` holds `text`, compared in place (no string read out of the bytes). */
  holds(slot: number, text: string): boolean {
    const length = this.lengths[slot];
    if (length === NULL_TEXT) return false;
    if (length === OTHER_TEXT) return this.others!.get(slot) === text;
    if (length !== text.length) return false;
    const at = slot * this.width;
    for (let i = 0; i < length; i++) if (this.bytes[at + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  get(slot: number): string | null {
    const length = this.lengths[slot];
    if (length === NULL_TEXT) return null;
    if (length === OTHER_TEXT) return this.others!.get(slot)!;
    return this.bytes.toString("latin1", slot * this.width, slot * this.width + length);
  }
}

/** FNV-1a over the string's UTF-16 code units. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The columns, allocated on the first remembered result. */
interface Columns {
  keys: TextColumn;
  ids: TextColumn;
  refs: TextColumn;
  hashes: Uint32Array;
  flowRunIds: Array<string | null>;
  values: unknown[];
  /** NaN: never expires. */
  expires: Float64Array;
  /** The recency list, oldest first: the slot remembered just before and just after each (-1: none). */
  older: Int32Array;
  newer: Int32Array;
  /** Open addressing, linear probing: slot + 1 at the position of its key's hash, 0 where empty. */
  table: Int32Array;
}

/**
 * The last `limit` results remembered, by cache key; remembering a key again makes it the newest, and the oldest
 * is forgotten when a new one would pass the limit (a Map used as an LRU by insertion order behaves the same).
 */
export class ResultMemo {
  private columns: Columns | null = null;
  private size = 0;
  private oldest = -1;
  private newest = -1;
  private readonly mask: number;

  constructor(private readonly limit: number) {
    // A table at least 3 times the entries keeps probe runs short.
    let tableSize = 16;
    while (tableSize < 3 * limit) tableSize *= 2;
    this.mask = tableSize - 1;
  }

  get(key: string): MemoEntry | undefined {
    if (!this.columns) return undefined;
    const slot = this.find(key, hashOf(key));
    if (slot < 0) return undefined;
    const c = this.columns;
    const expires = c.expires[slot];
    return { taskRunId: c.ids.get(slot)!, flowRunId: c.flowRunIds[slot], value: c.values[slot], resultRef: c.refs.get(slot), expires: Number.isNaN(expires) ? null : expires };
  }

  set(key: string, entry: MemoEntry): void {
    const c = (this.columns ??= this.allocate());
    const hash = hashOf(key);
    let slot = this.find(key, hash);
    if (slot >= 0) this.unlink(slot);
    else {
      if (this.size < this.limit) slot = this.size++;
      else {
        slot = this.oldest;
        this.unlink(slot);
        this.unindex(slot);
      }
      c.keys.set(slot, key);
      c.hashes[slot] = hash;
      this.index(slot);
    }
    c.ids.set(slot, entry.taskRunId);
    c.refs.set(slot, entry.resultRef);
    c.flowRunIds[slot] = entry.flowRunId;
    c.values[slot] = entry.value;
    c.expires[slot] = entry.expires ?? Number.NaN;
    this.link(slot);
  }

  delete(key: string): void {
    if (!this.columns) return;
    const slot = this.find(key, hashOf(key));
    if (slot < 0) return;
    this.unlink(slot);
    this.unindex(slot);
    // The last slot in use moves into the freed one, so slots 0..size-1 stay the ones in use.
    const last = --this.size;
    if (slot !== last) this.move(last, slot);
    this.release(last);
  }

  clear(): void {
    this.columns = null;
    this.size = 0;
    this.oldest = this.newest = -1;
  }

  private allocate(): Columns {
    const n = this.limit;
    return {
      keys: new TextColumn(32, n),
      ids: new TextColumn(36, n),
      refs: new TextColumn(64, n),
      hashes: new Uint32Array(n),
      flowRunIds: new Array<string | null>(n).fill(null),
      values: new Array<unknown>(n).fill(undefined),
      expires: new Float64Array(n),
      older: new Int32Array(n),
      newer: new Int32Array(n),
      table: new Int32Array(this.mask + 1),
    };
  }

  /** The slot holding `key`, or -1. */
  private find(key: string, hash: number): number {
    const c = this.columns!;
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const slot = c.table[at] - 1;
      if (slot < 0) return -1;
      if (c.hashes[slot] === hash && c.keys.holds(slot, key)) return slot;
    }
  }

  private index(slot: number): void {
    const c = this.columns!;
    let at = c.hashes[slot] & this.mask;
    while (c.table[at] !== 0) at = (at + 1) & this.mask;
    c.table[at] = slot + 1;
  }

  /** Where `slot` sits in the table. */
  private position(slot: number): number {
    const { table, hashes } = this.columns!;
    let at = hashes[slot] & this.mask;
    while (table[at] !== slot + 1) at = (at + 1) & this.mask;
    return at;
  }

  /** Take `slot` out of the table, shifting back the entries after it that probed past it (no tombstones). */
  private unindex(slot: number): void {
    const { table, hashes } = this.columns!;
    let hole = this.position(slot);
    for (let at = (hole + 1) & this.mask; table[at] !== 0; at = (at + 1) & this.mask) {
      const home = hashes[table[at] - 1] & this.mask;
      // The entry at `at` may fill the hole unless its home lies cyclically in (hole, at].
      const staysPut = hole < at ? home > hole && home <= at : home > hole || home <= at;
      if (staysPut) continue;
      table[hole] = table[at];
      hole = at;
    }
    table[hole] = 0;
  }

  /** Move the entry in slot `from` to the free slot `to` (its key, columns, table position and recency). */
  private move(from: number, to: number): void {
    const c = this.columns!;
    c.keys.set(to, c.keys.get(from));
    c.ids.set(to, c.ids.get(from));
    c.refs.set(to, c.refs.get(from));
    c.hashes[to] = c.hashes[from];
    c.flowRunIds[to] = c.flowRunIds[from];
    c.values[to] = c.values[from];
    c.expires[to] = c.expires[from];
    c.table[this.position(from)] = to + 1;
    const older = c.older[from];
    const newer = c.newer[from];
    c.older[to] = older;
    c.newer[to] = newer;
    if (older >= 0) c.newer[older] = to;
    else this.oldest = to;
    if (newer >= 0) c.older[newer] = to;
    else this.newest = to;
  }

  /** Drop what a slot no longer in use holds (its value, and any string kept on the heap). */
  private release(slot: number): void {
    const c = this.columns!;
    c.values[slot] = undefined;
    c.flowRunIds[slot] = null;
    for (const column of [c.keys, c.ids, c.refs]) column.set(slot, null);
  }

  /** Make `slot` the newest. */
  private link(slot: number): void {
    const c = this.columns!;
    c.older[slot] = this.newest;
    c.newer[slot] = -1;
    if (this.newest >= 0) c.newer[this.newest] = slot;
    else this.oldest = slot;
    this.newest = slot;
  }

  private unlink(slot: number): void {
    const c = this.columns!;
    const older = c.older[slot];
    const newer = c.newer[slot];
    if (older >= 0) c.newer[older] = newer;
    else this.oldest = newer;
    if (newer >= 0) c.older[newer] = older;
    else this.newest = older;
  }
}
