// State whose latest value is readable at once through a ref: keys can arrive faster than React re-renders
// (a paste, tmux send-keys), and each key must see what the previous key did, not a stale render's value.

import { useCallback, useRef, useState, type MutableRefObject } from "react";

export function useRefState<T>(initial: T | (() => T)): [T, (next: T | ((prev: T) => T)) => void, MutableRefObject<T>] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = useCallback((next: T | ((prev: T) => T)) => {
    ref.current = typeof next === "function" ? (next as (prev: T) => T)(ref.current) : next;
    setValue(ref.current);
  }, []);
  return [value, set, ref];
}
