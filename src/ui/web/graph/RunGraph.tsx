// The run graph on a canvas: pan (drag), zoom (wheel, buttons), fit; click a task to open its task run, the
// "+" of a group or subflow to expand it. Layout is computed when the graph's shape changes, not per frame.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { buildGraph, layoutGraph, NODE_W, type GraphLayout, type GraphTask } from "./layout.js";
import { drawGraph, drawSelection, hitTest, onToggle, type Palette, type View } from "./draw.js";
import { drawTiled, TileCache } from "./tiles.js";

/** Graphs with more nodes than this pan by copying tiles; smaller ones draw in well under a frame. */
const TILED_ABOVE = 500;

export interface RunGraphProps {
  tasks: GraphTask[];
  /** Changes when tasks are added or edges change; state changes alone keep the layout. */
  shapeKey: string;
  expanded: ReadonlySet<string>;
  depthOf?: (t: GraphTask) => number;
  onOpen: (taskRunId: string) => void;
  onToggle: (nodeId: string) => void;
  onCollapseAll: () => void;
  height?: number;
}

function palette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return { background: v("--graph-bg"), card: v("--card"), border: v("--border"), text: v("--text"), muted: v("--muted"), edge: v("--edge"), selected: v("--accent") };
}

declare global {
  interface Window {
    /** For tests and benchmarks: the graph's size, its last draw time and a way to pan it. */
    __cellflowGraph?: {
      nodes: number;
      lastDrawMs: number;
      layoutMs: number;
      firstDrawAt: number;
      firstFrameAt: number;
      panBy(dx: number, dy: number): number;
      /** Draw the view afresh, as after a state change (no tiles). */
      redraw(): number;
      /** Tiles drawn so far. */
      tilesDrawn(): number;
      screenOf(id: string): { x: number; y: number; toggleX: number } | null;
      fit(): void;
    };
  }
}

export function RunGraph(props: RunGraphProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<View>({ scale: 1, tx: 20, ty: 20 });
  const size = useRef({ w: 800, h: 400 });
  const frame = useRef(0);
  const fitted = useRef(false);
  const [hover, setHover] = useState<string | null>(null);
  const { tasks, shapeKey, expanded, depthOf } = props;

  const layoutMs = useRef(0);
  /** The task list the layout was built from: its nodes already hold those records. */
  const laidFrom = useRef<GraphTask[] | null>(null);
  const layout: GraphLayout = useMemo(() => {
    const started = performance.now();
    const { nodes, edges } = buildGraph(tasks, expanded, depthOf);
    const laid = layoutGraph(nodes, edges);
    layoutMs.current = performance.now() - started;
    laidFrom.current = tasks;
    return laid;
    // Only a new shape re-lays out; states are refreshed in place below.
  }, [shapeKey, expanded]);

  // Tiles of the graph at the current zoom (big graphs only): a pan frame copies them instead of drawing nodes.
  const tiles = useRef(new TileCache());
  /** What the last frame showed: a frame that only moves the view (same zoom, same content) uses tiles. */
  const last = useRef({ scale: 0, tx: 0, ty: 0, content: 0, picture: "" });
  const content = useRef(0);
  const changed = () => {
    tiles.current.clear();
    content.current++;
  };

  // Refresh node states from the latest task records without moving anything.
  useMemo(() => {
    changed();
    if (laidFrom.current === tasks) return;
    laidFrom.current = tasks;
    const byId = new Map(tasks.map((t) => [t.id, t]));
    for (const node of layout.nodes) {
      node.members = node.members.map((m) => byId.get(m.id) ?? m);
      if (node.kind === "group") {
        node.counts = {};
        for (const m of node.members) node.counts[m.state.name] = (node.counts[m.state.name] ?? 0) + 1;
        node.state = node.members.reduce((worst, m) => (rank(m.state.type) < rank(worst.type) ? m.state : worst), node.members[0].state);
      } else node.state = node.members[0].state;
    }
  }, [tasks, layout]);
  // An expanded node's toggle shows "−": tiles drawn with "+" are stale.
  useMemo(changed, [expanded]);

  const hoverNode = useMemo(() => (hover === null ? null : (layout.nodes.find((n) => n.id === hover) ?? null)), [layout, hover]);

  const draw = useCallback(() => {
    const el = canvas.current;
    if (!el) return 0;
    const started = performance.now();
    const ctx = el.getContext("2d", { alpha: false })!;
    const dpr = window.devicePixelRatio || 1;
    const colors = palette();
    const v = view.current;
    const { w, h } = size.current;
    const prev = last.current;
    const picture = `${el.width}x${el.height}|${hover}|${document.documentElement.dataset.theme}`;
    // Mounting asks for the same picture more than once (size, layout): it is drawn once.
    if (prev.scale === v.scale && prev.tx === v.tx && prev.ty === v.ty && prev.content === content.current && prev.picture === picture) return 0;
    // Only a pan reuses tiles: after a zoom step or a state change the next frame would draw every tile in view
    // and throw them away at the next change, so such frames draw the view directly.
    const panning = prev.scale === v.scale && prev.content === content.current && (prev.tx !== v.tx || prev.ty !== v.ty);
    last.current = { scale: v.scale, tx: v.tx, ty: v.ty, content: content.current, picture };
    if (layout.nodes.length > TILED_ABOVE && panning) {
      const cards = drawTiled(ctx, layout, v, w, h, dpr, colors, expanded, tiles.current);
      if (hoverNode && cards) drawSelection(ctx, hoverNode, v, dpr, colors);
    } else {
      drawGraph(ctx, layout, v, w, h, dpr, colors, { selected: hover, expanded });
    }
    const ms = performance.now() - started;
    if (window.__cellflowGraph) window.__cellflowGraph.lastDrawMs = ms;
    return ms;
  }, [layout, hover, hoverNode, expanded]);

  const request = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => draw());
  }, [draw]);

  const fit = useCallback(() => {
    const { w, h } = size.current;
    const scale = Math.min(1.2, Math.max(0.02, Math.min((w - 40) / Math.max(1, layout.width), (h - 40) / Math.max(1, layout.height))));
    view.current = { scale, tx: (w - layout.width * scale) / 2, ty: (h - layout.height * scale) / 2 };
  }, [layout]);

  useEffect(() => {
    const el = box.current;
    const c = canvas.current;
    if (!el || !c) return;
    const resize = () => {
      const dpr = window.devicePixelRatio || 1;
      // The observer also reports the size it starts with; setting a canvas's size clears it, so only a change does.
      if (c.width === Math.round(el.clientWidth * dpr) && c.height === Math.round(el.clientHeight * dpr) && fitted.current) return;
      size.current = { w: el.clientWidth, h: el.clientHeight };
      c.width = Math.round(el.clientWidth * dpr);
      c.height = Math.round(el.clientHeight * dpr);
      c.style.width = `${el.clientWidth}px`;
      c.style.height = `${el.clientHeight}px`;
      if (!fitted.current) {
        fit();
        fitted.current = true;
      }
      draw();
    };
    resize();
    const observer = new ResizeObserver(resize);
    observer.observe(el);
    return () => observer.disconnect();
  }, [draw, fit]);

  const shown = useRef<GraphLayout | null>(null);
  /** Whether the user panned or zoomed: then live growth of the graph no longer refits the view. */
  const moved = useRef(false);
  useEffect(() => {
    // A new shape (a group or subflow unfolded, new tasks) is fitted into view once.
    if (shown.current && shown.current !== layout && !moved.current) fit();
    shown.current = layout;
    window.__cellflowGraph = {
      nodes: layout.nodes.length,
      lastDrawMs: 0,
      layoutMs: layoutMs.current,
      firstDrawAt: 0,
      firstFrameAt: 0,
      panBy: (dx, dy) => {
        view.current = { ...view.current, tx: view.current.tx + dx, ty: view.current.ty + dy };
        return draw();
      },
      redraw: () => {
        changed();
        return draw();
      },
      tilesDrawn: () => tiles.current.drawn,
      screenOf: (id) => {
        const n = layout.nodes.find((node) => node.id === id || node.members.some((m) => m.id === id));
        if (!n) return null;
        const { scale, tx, ty } = view.current;
        const r = canvas.current!.getBoundingClientRect();
        return { x: r.left + tx + (n.x + 60) * scale, y: r.top + ty + (n.y + 22) * scale, toggleX: r.left + tx + (n.x + NODE_W - 12) * scale };
      },
      fit: () => {
        fit();
        draw();
      },
    };
    draw();
    // performance.now() counts from the page's navigation: this is the time to the graph's first full draw.
    const exposed = window.__cellflowGraph;
    exposed.firstDrawAt = performance.now();
    // A software canvas rasterizes when the frame is painted: a task queued from the next frame's callback
    // runs after that frame, so this is when the drawing is on screen.
    requestAnimationFrame(() => setTimeout(() => (exposed.firstFrameAt = performance.now())));
  }, [layout, draw, fit]);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      const sx = e.clientX - r.left;
      const sy = e.clientY - r.top;
      const v = view.current;
      const scale = Math.min(3, Math.max(0.02, v.scale * Math.exp(-e.deltaY * 0.0015)));
      view.current = { scale, tx: sx - ((sx - v.tx) * scale) / v.scale, ty: sy - ((sy - v.ty) * scale) / v.scale };
      moved.current = true;
      request();
    };
    c.addEventListener("wheel", wheel, { passive: false });
    return () => c.removeEventListener("wheel", wheel);
  }, [request]);

  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const point = (e: React.PointerEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return { sx: e.clientX - r.left, sy: e.clientY - r.top };
  };
  const onPointerDown = (e: React.PointerEvent) => {
    drag.current = { x: e.clientX, y: e.clientY, moved: false };
    canvas.current!.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (d) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) d.moved = true;
      if (d.moved) {
        view.current = { ...view.current, tx: view.current.tx + dx, ty: view.current.ty + dy };
        moved.current = true;
        d.x = e.clientX;
        d.y = e.clientY;
        request();
      }
      return;
    }
    const { sx, sy } = point(e);
    const node = hitTest(layout, view.current, sx, sy);
    canvas.current!.style.cursor = node ? "pointer" : "grab";
    if ((node?.id ?? null) !== hover) setHover(node?.id ?? null);
  };
  const onPointerUp = (e: React.PointerEvent) => {
    const d = drag.current;
    drag.current = null;
    if (!d || d.moved) return;
    const { sx, sy } = point(e);
    const node = hitTest(layout, view.current, sx, sy);
    if (!node) return;
    if (node.kind === "group" || (node.kind === "subflow" && onToggle(node, view.current, sx))) {
      moved.current = false;
      props.onToggle(node.id);
    }
    else props.onOpen(node.members[0].id);
  };
  const zoom = (factor: number) => {
    const v = view.current;
    const { w, h } = size.current;
    const scale = Math.min(3, Math.max(0.02, v.scale * factor));
    view.current = { scale, tx: w / 2 - ((w / 2 - v.tx) * scale) / v.scale, ty: h / 2 - ((h / 2 - v.ty) * scale) / v.scale };
    moved.current = true;
    request();
  };

  return (
    <div className="graph" style={{ height: props.height ?? 460 }}>
      <div className="graph-tools">
        <button className="icon" title="Zoom in" onClick={() => zoom(1.25)}>+</button>
        <button className="icon" title="Zoom out" onClick={() => zoom(0.8)}>−</button>
        <button title="Fit the whole graph" onClick={() => { fit(); request(); }}>Fit</button>
        {expanded.size > 0 && <button onClick={props.onCollapseAll}>Collapse all</button>}
        <span className="muted small">{layout.nodes.length.toLocaleString()} nodes · drag to pan, scroll to zoom</span>
      </div>
      <div ref={box} className="graph-canvas">
        <canvas ref={canvas} data-testid="run-graph" onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} onPointerLeave={() => setHover(null)} />
      </div>
    </div>
  );
}

const ORDER = ["FAILED", "CRASHED", "RUNNING", "CANCELLING", "PENDING", "SCHEDULED", "PAUSED", "CANCELLED", "COMPLETED"];
function rank(type: string): number {
  return ORDER.indexOf(type);
}
