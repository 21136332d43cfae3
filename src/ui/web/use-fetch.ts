// Load a page's data and reload it on demand; stale answers (the path changed meanwhile) are dropped.

import { useCallback, useEffect, useRef, useState } from "react";
import { ApiFailure, getJson } from "./api.js";

export interface Loaded<T> {
  data: T | null;
  error: ApiFailure | null;
  reload: () => void;
  set: (update: (previous: T) => T) => void;
}

export function useFetch<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const version = useRef(0);
  const load = useCallback(() => {
    if (!path) return;
    const mine = ++version.current;
    getJson<T>(path).then(
      (value) => {
        if (mine !== version.current) return;
        setData(value);
        setError(null);
      },
      (e: unknown) => {
        if (mine !== version.current) return;
        setError(e instanceof ApiFailure ? e : new ApiFailure(0, "NETWORK", (e as Error).message, "is `cellflow ui` still running?"));
      },
    );
  }, [path]);
  useEffect(() => {
    setData(null);
    load();
  }, [load]);
  const set = useCallback((update: (previous: T) => T) => setData((d) => (d === null ? d : update(d))), []);
  return { data, error, reload: load, set };
}
