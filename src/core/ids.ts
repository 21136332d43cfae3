// Run ids. Task runs get time-ordered ids (UUIDv7 layout): new rows append to the primary-key index instead of
// landing at random pages, about a fifth cheaper per task run here. Their short form is therefore the random tail.

const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Random bytes drawn in bulk (one call per 400 ids) and spent 10 bytes per id. */
const pool = Buffer.alloc(4000);
/** node:crypto's randomFillSync, loaded with the first id (a command line that makes none skips ~4 ms). */
let randomFillSync: ((buffer: Buffer) => Buffer) | undefined;
let used = pool.length;
/** The id's 36 characters are written here, then read out as one flat string (no slices or concatenation). */
const text = Buffer.from("00000000-0000-7000-8000-000000000000", "latin1");

/**
 * A UUIDv7-layout id: 48 bits of milliseconds, version 7, 74 random bits with the RFC 4122 variant.
 * @example timeOrderedId() // "0193c2a1-5e2f-7a3b-9c41-2f0e6d1b8a77"
 */
export function timeOrderedId(now = Date.now()): string {
  if (used + 10 > pool.length) {
    (randomFillSync ??= process.getBuiltinModule("node:crypto").randomFillSync)(pool);
    used = 0;
  }
  // Milliseconds: 12 hex digits at 0–7 and 9–12 (a number past 2^32 cannot be shifted, so divide).
  let ms = now;
  for (let i = 12; i >= 0; i--) {
    if (i === 8) continue;
    text[i] = HEX[ms % 16];
    ms = Math.floor(ms / 16);
  }
  const r = used;
  used += 10;
  // Random nibbles at 15–17, 20–22 and 24–35; the variant (8, 9, a or b) at 19.
  text[15] = HEX[pool[r] >> 4];
  text[16] = HEX[pool[r] & 15];
  text[17] = HEX[pool[r + 1] >> 4];
  text[19] = HEX[8 + (pool[r + 1] & 3)];
  text[20] = HEX[pool[r + 2] >> 4];
  text[21] = HEX[pool[r + 2] & 15];
  text[22] = HEX[pool[r + 3] >> 4];
  for (let i = 0; i < 6; i++) {
    text[24 + 2 * i] = HEX[pool[r + 4 + i] >> 4];
    text[25 + 2 * i] = HEX[pool[r + 4 + i] & 15];
  }
  return text.toString("latin1");
}

/** The 8 characters that tell task runs apart (their time-ordered head is shared by runs of the same minute). */
export function shortTaskRunId(id: string): string {
  return id.slice(-8);
}
