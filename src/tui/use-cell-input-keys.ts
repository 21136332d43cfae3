// The cell input pane's keys (active only while it has focus): edit, run (queued while another run goes), run all,
// save, pick an earlier cell with alt+up/down to edit it in place, quit.

import { useInput } from "ink";
import type { MutableRefObject } from "react";
import type { TuiController } from "./controller.js";
import { editorText, setText, submitted, type EditorState } from "./editor.js";
import { editorKey, type Focus } from "./keys.js";

export interface CellInputKeys {
  /**
   * Whether this pane owns the key now: it has focus and no overlay is shown. Read through refs when the key comes,
   * not from the last render: keys arrive faster than React commits a focus change (a paste, tmux send-keys).
   */
  owns: () => boolean;
  controller: TuiController;
  editorRef: MutableRefObject<EditorState>;
  setEditor: (next: EditorState) => void;
  /** The earlier cell being edited (its id), or null for a new cell. */
  editingRef: MutableRefObject<number | string | null>;
  setEditing: (id: number | string | null) => void;
  focusOn: (focus: Focus) => void;
  onRun: () => void;
  requestQuit: () => void;
}

export function useCellInputKeys(k: CellInputKeys): void {
  useInput((input, key) => {
      if (!k.owns()) return;
      if (key.meta && (key.upArrow || key.downArrow)) return pickCell(k, key.upArrow ? -1 : 1);
      const { state, action } = editorKey(k.editorRef.current, input, key, (code) => k.controller.session.runtime.isComplete(code));
      k.setEditor(state);
      if (key.ctrl && input === "u") k.setEditing(null);
      if (action === "run") {
        k.setEditor(submitted(state));
        k.onRun();
        void k.controller.runInput(editorText(state), k.editingRef.current ?? undefined);
        k.setEditing(null);
      } else if (action === "run-all") {
        k.onRun();
        void k.controller.runAll();
      } else if (action === "save") k.controller.save();
      else if (action === "to-dag") k.focusOn("dag");
      else if (action === "quit") k.requestQuit();
  });
}

/** Alt+up / alt+down: the previous / next cell's source into the input, to edit and run it in its place. */
function pickCell(k: CellInputKeys, step: -1 | 1): void {
  const cells = k.controller.editableCells();
  if (cells.length === 0) return k.controller.say("no cells yet: type one and press enter", "info");
  const at = k.editingRef.current === null ? -1 : cells.findIndex((c) => c.id === k.editingRef.current);
  const next = at < 0 ? (step < 0 ? cells.length - 1 : -1) : at + step;
  if (next < 0 || next >= cells.length) {
    k.setEditing(null);
    k.setEditor(setText(k.editorRef.current, ""));
    return;
  }
  k.setEditing(cells[next].id);
  k.setEditor(setText(k.editorRef.current, cells[next].source));
}
