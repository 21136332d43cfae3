// The session's current run graph, refreshed from its events and, while a run goes, on a slow tick (spinners,
// running durations) — all through one throttle of at most one refresh per `intervalMs`, trailing edge kept so
// the final state always shows. `refresh` changing (a run started or ended) refreshes at once.

import { useEffect, useRef, useState } from "react";
import type { RunEvent, RunGraph } from "../core/records.js";

/** What the hook needs of a NotebookSession. */
export interface GraphSource {
  graph(runId?: string): RunGraph | null;
  subscribe(listener: (event: RunEvent) => void): () => void;
}

/** At most 10 graph refreshes (and so DAG re-renders) a second. */
export const GRAPH_INTERVAL_MS = 100;
/** While a run goes and nothing changes, the spinner and durations still move this often. */
export const LIVE_TICK_MS = 250;

export interface LiveGraph {
  graph: RunGraph | null;
  /** Counts refreshes: drives the spinner. */
  tick: number;
  /** When the graph was read: running durations are measured to here. */
  now: number;
}

export function useRunGraph(source: GraphSource, refresh: unknown, live: boolean, intervalMs = GRAPH_INTERVAL_MS): LiveGraph {
  const [state, setState] = useState<LiveGraph>(() => ({ graph: safeGraph(source), tick: 0, now: Date.now() }));
  const last = useRef(Number.NEGATIVE_INFINITY);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const update = () => {
      timer.current = undefined;
      last.current = Date.now();
      setState((prev) => ({ graph: safeGraph(source), tick: prev.tick + 1, now: last.current }));
    };
    const schedule = () => {
      if (timer.current === undefined) timer.current = setTimeout(update, Math.max(0, last.current + intervalMs - Date.now()));
    };
    update();
    const unsubscribe = source.subscribe((event) => {
      if (event.kind !== "log") schedule();
    });
    const ticker = live ? setInterval(schedule, LIVE_TICK_MS) : undefined;
    return () => {
      unsubscribe();
      if (ticker) clearInterval(ticker);
      if (timer.current !== undefined) clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [source, refresh, live, intervalMs]);

  return state;
}

function safeGraph(source: GraphSource): RunGraph | null {
  try {
    return source.graph();
  } catch {
    // The last run can be gone from the store (another process pruned it): show nothing rather than crash.
    return null;
  }
}
