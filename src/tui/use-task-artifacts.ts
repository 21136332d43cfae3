// A task run's artifacts from the store, read again whenever the task run's state changes (an artifact made
// while it runs shows once it moves on).

import { useEffect, useState } from "react";
import type { ArtifactRecord, TaskRunRecord } from "../core/records.js";
import { getEngine } from "../engine/engine.js";

export function useTaskArtifacts(task: TaskRunRecord | null): ArtifactRecord[] {
  const [artifacts, setArtifacts] = useState<ArtifactRecord[]>([]);
  const id = task?.id ?? null;
  const state = task?.state.name ?? null;
  useEffect(() => {
    if (!id) {
      setArtifacts([]);
      return;
    }
    setArtifacts(getEngine().store.listArtifacts({ taskRunId: id }));
  }, [id, state]);
  return artifacts;
}
