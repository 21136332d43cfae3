// The DAG pane's keys (active only while it has focus): select a task, open its details, rerun, cancel, run all,
// filter (typing into the filter while it is being edited), help, quit, back to the input.

import { useInput } from "ink";
import type { MutableRefObject } from "react";
import type { TuiController } from "./controller.js";
import { filterRows, type DagRow } from "./dag-view.js";
import type { Focus } from "./keys.js";

export interface DagKeys {
  /**
   * Whether this pane owns the key now: it has focus and no overlay is shown. Read through refs when the key comes,
   * not from the last render: keys arrive faster than React commits a focus change (a paste, tmux send-keys).
   */
  owns: () => boolean;
  controller: TuiController;
  rows: () => DagRow[];
  visible: number;
  selectedRef: MutableRefObject<string | null>;
  setSelectedId: (id: string | null) => void;
  filterRef: MutableRefObject<string>;
  setFilter: (next: string | ((prev: string) => string)) => void;
  filterEditingRef: MutableRefObject<boolean>;
  setFilterEditing: (editing: boolean) => void;
  detailsRef: MutableRefObject<{ id: string; key: string } | null>;
  openDetails: (row: DagRow) => void;
  closeDetails: () => void;
  focusOn: (focus: Focus) => void;
  showHelp: () => void;
  requestQuit: () => void;
}

export function useDagKeys(k: DagKeys): void {
  useInput((input, key) => {
      if (!k.owns()) return;
      if (k.filterEditingRef.current) {
        if (key.return) k.setFilterEditing(false);
        else if (key.escape) {
          k.setFilter("");
          k.setFilterEditing(false);
        } else if (key.backspace || key.delete) k.setFilter((f) => f.slice(0, -1));
        else if (input && !key.ctrl && !key.meta) k.setFilter((f) => f + input);
        return;
      }
      const shown = filterRows(k.rows(), k.filterRef.current);
      const index = k.selectedRef.current ? shown.findIndex((r) => r.run.id === k.selectedRef.current) : -1;
      const select = (i: number) => {
        if (shown.length > 0) k.setSelectedId(shown[Math.min(shown.length - 1, Math.max(0, i))].run.id);
      };
      if (key.upArrow || input === "k") select(index < 0 ? 0 : index - 1);
      else if (key.downArrow || input === "j") select(index + 1);
      else if (key.pageUp) select(index - k.visible);
      else if (key.pageDown) select(index + k.visible);
      else if (key.home || input === "g") select(0);
      else if (key.end || input === "G") select(shown.length - 1);
      else if (key.return) {
        const row = shown[index] ?? shown[0];
        if (!row) return k.controller.say("no task to show: the run has no task runs", "info");
        k.openDetails(row);
      } else if (input === "r") void k.controller.rerun();
      else if (input === "R") void k.controller.runAll();
      else if (input === "c") k.controller.cancel();
      else if (input === "/") k.setFilterEditing(true);
      else if (input === "?") k.showHelp();
      else if (input === "q") k.requestQuit();
      else if (input === "i") k.focusOn("input");
      else if (key.escape && k.filterRef.current) k.setFilter("");
      else if (key.escape && k.detailsRef.current) k.closeDetails();
  });
}
