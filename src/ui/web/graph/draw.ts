// Drawing the laid-out run graph on a 2D canvas: only what is in view, cards with labels when zoomed in,
// plain coloured blocks when zoomed out, edges batched into one path.

import { stateColor } from "../../../core/state-colors.js";
import { NODE_H, NODE_W, type GraphLayout, type GraphNode } from "./layout.js";

/** screen = world × scale + (tx, ty), in CSS pixels. */
export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export interface Palette {
  background: string;
  card: string;
  border: string;
  text: string;
  muted: string;
  edge: string;
  selected: string;
}

/** The node under a screen point, or null. */
export function hitTest(layout: GraphLayout, view: View, sx: number, sy: number): GraphNode | null {
  const x = (sx - view.tx) / view.scale;
  const y = (sy - view.ty) / view.scale;
  for (const node of layout.nodes) if (x >= node.x && x <= node.x + NODE_W && y >= node.y && y <= node.y + NODE_H) return node;
  return null;
}

/** True when the screen point is on the node's expand toggle (groups and subflows). */
export function onToggle(node: GraphNode, view: View, sx: number): boolean {
  const x = (sx - view.tx) / view.scale;
  return node.kind !== "task" && x >= node.x + NODE_W - 28;
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/** The world rectangle a view of width × height CSS pixels shows, with 2 px more around for antialiased edges. */
function viewBox(view: View, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } {
  const { scale, tx, ty } = view;
  return { x0: (-2 - tx) / scale, y0: (-2 - ty) / scale, x1: (width + 2 - tx) / scale, y1: (height + 2 - ty) / scale };
}

/** Whether the view shows nodes as cards (else plain coloured blocks): zoomed in far enough, and not thousands. */
export function showsCards(layout: GraphLayout, view: View, width: number, height: number): boolean {
  if (view.scale < 0.35) return false;
  const { x0, y0, x1, y1 } = viewBox(view, width, height);
  let visible = 0;
  for (const n of layout.nodes) if (n.x + NODE_W >= x0 && n.x <= x1 && n.y + NODE_H >= y0 && n.y <= y1 && ++visible > 3000) return false;
  return true;
}

/** A ring around the selected node, drawn over a tiled view (tiles are drawn without one). */
export function drawSelection(ctx: CanvasRenderingContext2D, node: GraphNode, view: View, dpr: number, palette: Palette): void {
  ctx.setTransform(dpr * view.scale, 0, 0, dpr * view.scale, dpr * view.tx, dpr * view.ty);
  ctx.beginPath();
  ctx.roundRect(node.x, node.y, NODE_W, NODE_H, 6);
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = palette.selected;
  ctx.stroke();
}

/** Draw what the view shows; `cards` (default: `showsCards` for this view) picks cards or blocks. */
export function drawGraph(ctx: CanvasRenderingContext2D, layout: GraphLayout, view: View, width: number, height: number, dpr: number, palette: Palette, options: { selected?: string | null; expanded: ReadonlySet<string>; cards?: boolean }): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, height);
  const { scale, tx, ty } = view;
  const { x0, y0, x1, y1 } = viewBox(view, width, height);
  const cards = options.cards ?? showsCards(layout, view, width, height);
  ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
  const nodes = layout.nodes;
  const edges = layout.edges;

  ctx.beginPath();
  const curved = scale > 0.3;
  for (let i = 0; i < edges.length; i += 2) {
    const a = nodes[edges[i]];
    const b = nodes[edges[i + 1]];
    const ax = a.x + NODE_W;
    const ay = a.y + NODE_H / 2;
    const bx = b.x;
    const by = b.y + NODE_H / 2;
    if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
    ctx.moveTo(ax, ay);
    if (curved) {
      const mid = (ax + bx) / 2;
      ctx.bezierCurveTo(mid, ay, mid, by, bx, by);
    } else ctx.lineTo(bx, by);
  }
  ctx.strokeStyle = palette.edge;
  ctx.lineWidth = Math.max(1, 1.2 / scale) * (scale < 0.3 ? 0.6 : 1);
  ctx.stroke();

  const visible: GraphNode[] = [];
  for (const n of nodes) if (n.x + NODE_W >= x0 && n.x <= x1 && n.y + NODE_H >= y0 && n.y <= y1) visible.push(n);

  if (!cards) {
    // Zoomed out: one filled block per node, grouped by colour so fillStyle changes a few times only.
    const byColor = new Map<string, GraphNode[]>();
    for (const n of visible) {
      const c = stateColor(n.state);
      const list = byColor.get(c);
      if (list) list.push(n);
      else byColor.set(c, [n]);
    }
    for (const [color, list] of byColor) {
      ctx.fillStyle = color;
      for (const n of list) ctx.fillRect(n.x, n.y, NODE_W, NODE_H);
    }
    return;
  }

  ctx.textBaseline = "middle";
  for (const n of visible) {
    const color = stateColor(n.state);
    const selected = options.selected === n.id;
    ctx.fillStyle = palette.card;
    ctx.beginPath();
    ctx.roundRect(n.x, n.y, NODE_W, NODE_H, 6);
    ctx.fill();
    ctx.lineWidth = selected ? 2.5 : 1;
    ctx.strokeStyle = selected ? palette.selected : n.depth > 0 ? palette.muted : palette.border;
    // Task runs of an unfolded subflow get a dashed border.
    if (n.depth > 0) ctx.setLineDash([4, 3]);
    ctx.stroke();
    if (n.depth > 0) ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.roundRect(n.x, n.y, 5, NODE_H, [6, 0, 0, 6]);
    ctx.fill();
    if (scale < 0.55) continue;
    const right = n.kind === "task" ? 0 : 28;
    ctx.fillStyle = palette.text;
    ctx.font = "600 12px ui-sans-serif, system-ui, sans-serif";
    ctx.fillText(truncate(n.label, n.kind === "group" ? 16 : 22 - right / 7), n.x + 13, n.y + 15);
    ctx.font = "11px ui-sans-serif, system-ui, sans-serif";
    if (n.kind === "group") {
      ctx.fillStyle = palette.muted;
      ctx.fillText(`×${n.members.length}`, n.x + NODE_W - 64, n.y + 15);
      // State counts as a stacked bar under the label.
      let at = n.x + 13;
      const barW = NODE_W - 13 - right - 8;
      for (const [name, count] of Object.entries(n.counts)) {
        const w = (barW * (count ?? 0)) / n.members.length;
        ctx.fillStyle = stateColor({ type: n.members.find((m) => m.state.name === name)!.state.type, name: name as GraphNode["state"]["name"] });
        ctx.fillRect(at, n.y + 28, Math.max(1, w), 6);
        at += w;
      }
    } else {
      ctx.fillStyle = color;
      ctx.fillText(n.state.name + (n.kind === "subflow" ? " · subflow" : ""), n.x + 13, n.y + 31);
    }
    if (n.kind !== "task") {
      const open = options.expanded.has(n.id);
      ctx.fillStyle = palette.muted;
      ctx.font = "600 15px ui-sans-serif, system-ui, sans-serif";
      ctx.fillText(open ? "−" : "+", n.x + NODE_W - 19, n.y + NODE_H / 2);
    }
  }
}
