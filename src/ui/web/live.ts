// The tab's live stream: one EventSource on /api/events (optionally scoped to a run), resuming from the last
// event id after a reconnect; each batch is handed to the subscriber.

import { useEffect, useRef } from "react";
import type { LiveBatch } from "../shared/api-types.js";

export function useLive(scope: { run?: string | null; cursor?: string | null }, onBatch: (batch: LiveBatch) => void, enabled = true): void {
  const handler = useRef(onBatch);
  handler.current = onBatch;
  useEffect(() => {
    if (!enabled) return;
    const params = new URLSearchParams();
    if (scope.run) params.set("run", scope.run);
    if (scope.cursor) params.set("cursor", scope.cursor);
    const source = new EventSource(`/api/events${params.size ? `?${params}` : ""}`);
    source.addEventListener("batch", (e) => handler.current(JSON.parse((e as MessageEvent<string>).data) as LiveBatch));
    return () => source.close();
  }, [scope.run, scope.cursor, enabled]);
}
