// Draws the kernelspec logos (kernel/logos/logo-32x32.png, logo-64x64.png): three task nodes joined by edges, the
// DAG Cellflow shows, on its blue. Run: node scripts/make-logos.mjs (the PNGs are committed; rerun after a change).

import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "kernel", "logos");
const BLUE = [37, 99, 235, 255];
const WHITE = [255, 255, 255, 255];
const CLEAR = [0, 0, 0, 0];

function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x + 0.5, y + 0.5), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** In unit coordinates (0..1): a rounded square, three nodes, two edges. */
function logo(u, v) {
  const r = 0.18;
  const dx = Math.max(0, Math.abs(u - 0.5) - (0.5 - r));
  const dy = Math.max(0, Math.abs(v - 0.5) - (0.5 - r));
  if (dx * dx + dy * dy > r * r) return CLEAR;
  const nodes = [[0.28, 0.3], [0.72, 0.3], [0.5, 0.72]];
  for (const [x, y] of nodes) if ((u - x) ** 2 + (v - y) ** 2 < 0.11 ** 2) return WHITE;
  const near = (ax, ay, bx, by) => {
    const t = Math.max(0, Math.min(1, ((u - ax) * (bx - ax) + (v - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
    return Math.hypot(u - (ax + t * (bx - ax)), v - (ay + t * (by - ay))) < 0.035;
  };
  if (near(0.28, 0.3, 0.5, 0.72) || near(0.72, 0.3, 0.5, 0.72)) return WHITE;
  return BLUE;
}

mkdirSync(OUT, { recursive: true });
for (const size of [32, 64]) writeFileSync(join(OUT, `logo-${size}x${size}.png`), png(size, (x, y) => logo(x / size, y / size)));
