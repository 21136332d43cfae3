// A live DAG output: re-renders a run's graph into one display handle, at most every 200 ms, final state guaranteed.

import type { RunGraph } from "../core/records.js";
import { renderDag } from "./dag.js";
import { display, type DisplayHandle } from "./display.js";
import type { MimeBundle } from "./sink.js";

/** Options for {@link createLiveDag}. */
export interface LiveDagOptions {
  /**
   * Minimum time between two renders, in ms. Changes inside the window are coalesced into one
   * render at its end (the trailing edge), so the last change always shows.
   * @default 200
   */
  intervalMs?: number;
  /**
   * Turns a graph into the bundle to show.
   * @default renderDag
   */
  render?: (graph: RunGraph) => MimeBundle;
}

/** A throttled renderer bound to one output. */
export interface LiveDag {
  /** Something changed: render now if the last render is older than the interval, else at the window's end. */
  notify(): void;
  /** Renders the current graph now, cancelling any pending render (call it when the run ends). */
  flush(): void;
  /** Cancels a pending render; later notify() calls do nothing. Does not render. */
  dispose(): void;
  /** The output being updated; created by the first render when none was given. */
  readonly handle: DisplayHandle<MimeBundle> | undefined;
}

/**
 * Keeps one output showing the current DAG of a run while it changes.
 * @param graph returns the graph to show now (undefined while there is nothing to show yet)
 * @param handle the output to update; when omitted, the first render creates one with `display.bundle`
 * @example
 * const live = createLiveDag(() => session.graph(runId));
 * const stop = subscribe(() => live.notify());
 * await run; stop(); live.flush();
 */
export function createLiveDag(
  graph: () => RunGraph | undefined,
  handle?: DisplayHandle<MimeBundle>,
  options: LiveDagOptions = {},
): LiveDag {
  const interval = options.intervalMs ?? 200;
  const render = options.render ?? ((g: RunGraph) => renderDag(g));
  let target = handle;
  let lastRender = Number.NEGATIVE_INFINITY;
  let lastText: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const renderNow = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    lastRender = Date.now();
    const current = graph();
    if (!current) return;
    const bundle = render(current);
    const key = JSON.stringify(bundle);
    if (key === lastText) return;
    lastText = key;
    if (target) target.update(bundle);
    else target = display.bundle(bundle);
  };

  return {
    notify(): void {
      if (disposed || timer !== undefined) return;
      const wait = lastRender + interval - Date.now();
      if (wait <= 0) renderNow();
      else timer = setTimeout(renderNow, wait);
    },
    flush(): void {
      if (!disposed) renderNow();
    },
    dispose(): void {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    get handle() {
      return target;
    },
  };
}
