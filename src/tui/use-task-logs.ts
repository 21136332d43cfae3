// A task run's log lines: what the store has, then every new line as it is published (following while it runs).

import { useEffect, useState } from "react";
import type { LogRecord, RunEvent } from "../core/records.js";
import { getEngine } from "../engine/engine.js";

const MAX_LINES = 5000;

export function useTaskLogs(
  subscribe: (listener: (event: RunEvent) => void) => () => void,
  flowRunId: string | null,
  taskRunId: string | null,
): LogRecord[] {
  const [logs, setLogs] = useState<LogRecord[]>([]);
  useEffect(() => {
    if (!flowRunId || !taskRunId) {
      setLogs([]);
      return;
    }
    const fresh: LogRecord[] = [];
    let loaded = false;
    const unsubscribe = subscribe((event) => {
      if (event.kind !== "log" || event.log.taskRunId !== taskRunId) return;
      if (!loaded) fresh.push(event.log);
      else setLogs((prev) => [...prev.slice(-(MAX_LINES - 1)), event.log]);
    });
    // Subscribe first, then read the store: a line published in between is kept once.
    const store = getEngine().store;
    store.flush();
    const stored = store.getLogs(flowRunId, { taskRunIds: [taskRunId] }).map(({ id: _id, ...log }) => log);
    const seen = new Set(stored.map((l) => `${l.timestamp}\u0000${l.message}`));
    loaded = true;
    setLogs([...stored, ...fresh.filter((l) => !seen.has(`${l.timestamp}\u0000${l.message}`))].slice(-MAX_LINES));
    return unsubscribe;
  }, [subscribe, flowRunId, taskRunId]);
  return logs;
}
