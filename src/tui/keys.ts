// Every key of the terminal UI: the help table, and the cell input's keys as a pure function of the editor state.

import type { Key } from "ink";
import {
  backspace,
  editorText,
  insert,
  lineEnd,
  lineStart,
  moveDown,
  moveLeft,
  moveRight,
  moveUp,
  newline,
  setText,
  type EditorState,
} from "./editor.js";

export type Focus = "input" | "dag" | "details";

/** The help screen: every key, where it acts, and what it does (21 lines: fits an 80×24 terminal). */
export const KEY_HELP: Array<[where: string, key: string, what: string]> = [
  ["input", "enter", "run the cell if complete (queued while a run goes)"],
  ["input", "alt/shift+enter, ctrl+j", "add a line"],
  ["input", "up / down", "lines; history at the first / last line"],
  ["input", "alt+up / alt+down", "edit an earlier cell; enter replaces it"],
  ["input", "ctrl+r", "run all cells as one run"],
  ["input", "ctrl+s", "save the typed cells into the notebook"],
  ["input", "ctrl+a / ctrl+e, ctrl+u", "line start / end, clear the cell"],
  ["input", "esc", "focus the DAG pane"],
  ["DAG", "up/down j/k pgup/pgdn", "select a task (home / end: first / last)"],
  ["DAG", "enter", "details: logs, error, inputs, cache reason"],
  ["DAG", "r", "rerun from failure"],
  ["DAG", "R", "run all cells as one run"],
  ["DAG", "c", "cancel the running run"],
  ["DAG", "/", "filter by name or state (enter keeps it)"],
  ["DAG", "esc", "clear the filter, else close the details"],
  ["DAG", "i", "back to the cell input"],
  ["DAG", "?", "this help"],
  ["details", "up / down", "scroll the details and logs"],
  ["any", "q, ctrl+c in the input", "quit (asks first while a run is going)"],
  ["any", "tab", "cycle panes: input, DAG, details"],
  ["any", "ctrl+p / ctrl+n", "scroll the scrollback up / down"],
];

export type EditorAction = "run" | "run-all" | "save" | "to-dag" | "quit" | null;

/** Applies a key to the editor. Enter runs when `isComplete` says "complete" or "invalid" (to show the error). */
export function editorKey(
  state: EditorState,
  input: string,
  key: Key,
  isComplete: (code: string) => "complete" | "incomplete" | "invalid",
): { state: EditorState; action: EditorAction } {
  const same = (action: EditorAction = null) => ({ state, action });
  if (key.escape) return same("to-dag");
  if (key.return) {
    if (key.shift || key.meta) return { state: newline(state), action: null };
    const code = editorText(state);
    if (!code.trim()) return same();
    return isComplete(code) === "incomplete" ? { state: newline(state), action: null } : same("run");
  }
  if (input === "\n") return { state: newline(state), action: null }; // ctrl+j (linefeed)
  if (key.ctrl) {
    switch (input) {
      case "r":
        return same("run-all");
      case "s":
        return same("save");
      case "c":
      case "d":
        return same("quit");
      case "a":
        return { state: lineStart(state), action: null };
      case "e":
        return { state: lineEnd(state), action: null };
      case "u":
        return { state: setText(state, ""), action: null };
      default:
        return same();
    }
  }
  if (key.backspace || key.delete) return { state: backspace(state), action: null };
  if (key.leftArrow) return { state: moveLeft(state), action: null };
  if (key.rightArrow) return { state: moveRight(state), action: null };
  if (key.upArrow) return { state: moveUp(state), action: null };
  if (key.downArrow) return { state: moveDown(state), action: null };
  if (key.home) return { state: lineStart(state), action: null };
  if (key.end) return { state: lineEnd(state), action: null };
  if (key.tab || key.pageUp || key.pageDown || !input) return same();
  return { state: insert(state, input), action: null };
}
