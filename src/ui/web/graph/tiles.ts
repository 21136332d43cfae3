// Panning a big run graph by copying cached tiles: each tile is a square of the graph drawn once at the current
// zoom, so a pan frame costs a few image copies whatever the zoom and the number of nodes in view.

import { drawGraph, showsCards, type Palette, type View } from "./draw.js";
import type { GraphLayout } from "./layout.js";

/** A tile's side in device pixels. Tile edges fall on whole device pixels, so neighbours meet without seams. */
export const TILE_PX = 256;
/** Room around the laid-out graph for strokes that reach past a node's box. */
const MARGIN = 4;

export class TileCache {
  private key = "";
  private tiles = new Map<string, HTMLCanvasElement>();
  private spare: HTMLCanvasElement[] = [];
  /** Tiles drawn since the cache was made (tests read it: a pan at a steady zoom draws few). */
  drawn = 0;

  constructor(private readonly max = 160) {}

  /** Forget every tile: the graph, a state or an expanded node changed. */
  clear(): void {
    for (const tile of this.tiles.values()) if (this.spare.length < this.max) this.spare.push(tile);
    this.tiles.clear();
  }

  /** Tile (i, j) for `key` (zoom, pixel ratio, colours), drawn by `render` when it is not cached. */
  get(key: string, i: number, j: number, render: (ctx: CanvasRenderingContext2D) => void): HTMLCanvasElement {
    if (key !== this.key) {
      this.clear();
      this.key = key;
    }
    const id = `${i},${j}`;
    let tile = this.tiles.get(id);
    if (tile) {
      // Most recently used last: eviction takes the first.
      this.tiles.delete(id);
      this.tiles.set(id, tile);
      return tile;
    }
    if (this.tiles.size >= this.max) {
      const [oldest, canvas] = this.tiles.entries().next().value!;
      this.tiles.delete(oldest);
      tile = canvas;
    } else tile = this.spare.pop() ?? document.createElement("canvas");
    tile.width = TILE_PX;
    tile.height = TILE_PX;
    render(tile.getContext("2d", { alpha: false })!);
    this.tiles.set(id, tile);
    this.drawn++;
    return tile;
  }
}

/** Draw the view from tiles, without a selection ring (the caller draws one on top); true when it shows cards. */
export function drawTiled(ctx: CanvasRenderingContext2D, layout: GraphLayout, view: View, width: number, height: number, dpr: number, palette: Palette, expanded: ReadonlySet<string>, cache: TileCache): boolean {
  const { scale, tx, ty } = view;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const side = TILE_PX / dpr;
  // Tiles in view that hold part of the graph.
  const i0 = Math.max(Math.floor(-tx / side), Math.floor(-MARGIN / side));
  const i1 = Math.min(Math.floor((width - tx) / side), Math.floor((layout.width * scale + MARGIN) / side));
  const j0 = Math.max(Math.floor(-ty / side), Math.floor(-MARGIN / side));
  const j1 = Math.min(Math.floor((height - ty) / side), Math.floor((layout.height * scale + MARGIN) / side));
  // Cards or blocks is decided for the whole view, not per tile, so tiles and direct frames look alike.
  const cards = showsCards(layout, view, width, height);
  // Tiles are copied to whole device pixels and drawn with the view's sub-pixel offset (to 1/64 px, which a pan
  // by whole pixels keeps), so a tiled frame matches a direct one and tile i sits exactly TILE_PX after i - 1.
  const [ox, px] = split(tx * dpr);
  const [oy, py] = split(ty * dpr);
  const key = `${scale}|${dpr}|${px}|${py}|${cards}|${palette.background}|${palette.card}|${palette.text}`;
  for (let i = i0; i <= i1; i++) {
    for (let j = j0; j <= j1; j++) {
      const at = { scale, tx: (px - i * TILE_PX) / dpr, ty: (py - j * TILE_PX) / dpr };
      const tile = cache.get(key, i, j, (tctx) => drawGraph(tctx, layout, at, side, side, dpr, palette, { selected: null, expanded, cards }));
      ctx.drawImage(tile, ox + i * TILE_PX, oy + j * TILE_PX);
    }
  }
  return cards;
}

/** A device-pixel offset as whole pixels and a fraction rounded to 1/64. */
function split(offset: number): [number, number] {
  let whole = Math.floor(offset);
  let fraction = Math.round((offset - whole) * 64) / 64;
  if (fraction === 1) {
    whole++;
    fraction = 0;
  }
  return [whole, fraction];
}
