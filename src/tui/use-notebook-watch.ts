// Watch mode: calls `onChange` when the notebook file changes on disk (chokidar; writes settle before it fires),
// and `onReady` once the watcher is watching (changes before that are not seen).

import { useEffect } from "react";
import { watch } from "chokidar";

export function useNotebookWatch(file: string | null, enabled: boolean, onChange: () => void, onReady?: () => void): void {
  useEffect(() => {
    if (!file || !enabled) return;
    const watcher = watch(file, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 } });
    watcher.on("change", onChange).on("add", onChange);
    if (onReady) watcher.on("ready", onReady);
    return () => void watcher.close();
  }, [file, enabled, onChange, onReady]);
}
