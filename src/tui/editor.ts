// The cell input's buffer as pure functions: multi-line text, a cursor, and history browsed with up/down.

export interface EditorState {
  lines: string[];
  row: number;
  col: number;
  /** Cells submitted before, oldest first. */
  history: string[];
  /** Position in history while browsing; history.length means the draft. */
  historyIndex: number;
  /** What was typed before browsing history, restored when coming back down. */
  draft: string;
}

export function emptyEditor(history: string[] = []): EditorState {
  return { lines: [""], row: 0, col: 0, history, historyIndex: history.length, draft: "" };
}

export function editorText(state: EditorState): string {
  return state.lines.join("\n");
}

/** Replaces the buffer with `text`, cursor at its end. */
export function setText(state: EditorState, text: string): EditorState {
  const lines = text.split("\n");
  return { ...state, lines, row: lines.length - 1, col: lines[lines.length - 1].length };
}

/** Inserts text at the cursor; pasted line breaks (\r, \r\n) become lines. */
export function insert(state: EditorState, text: string): EditorState {
  const clean = text.replace(/\r\n?/g, "\n");
  const line = state.lines[state.row];
  const before = line.slice(0, state.col);
  const after = line.slice(state.col);
  const parts = clean.split("\n");
  const replaced = parts.map((p, i) => (i === 0 ? before : "") + p + (i === parts.length - 1 ? after : ""));
  const lines = [...state.lines.slice(0, state.row), ...replaced, ...state.lines.slice(state.row + 1)];
  const row = state.row + parts.length - 1;
  const col = (parts.length === 1 ? before.length : 0) + parts[parts.length - 1].length;
  return { ...state, lines, row, col };
}

export function newline(state: EditorState): EditorState {
  return insert(state, "\n");
}

/** Deletes the character before the cursor, joining lines at a line start. */
export function backspace(state: EditorState): EditorState {
  if (state.col > 0) {
    const line = state.lines[state.row];
    const lines = [...state.lines];
    lines[state.row] = line.slice(0, state.col - 1) + line.slice(state.col);
    return { ...state, lines, col: state.col - 1 };
  }
  if (state.row === 0) return state;
  const prev = state.lines[state.row - 1];
  const lines = [...state.lines.slice(0, state.row - 1), prev + state.lines[state.row], ...state.lines.slice(state.row + 1)];
  return { ...state, lines, row: state.row - 1, col: prev.length };
}

export function moveLeft(state: EditorState): EditorState {
  if (state.col > 0) return { ...state, col: state.col - 1 };
  if (state.row === 0) return state;
  return { ...state, row: state.row - 1, col: state.lines[state.row - 1].length };
}

export function moveRight(state: EditorState): EditorState {
  if (state.col < state.lines[state.row].length) return { ...state, col: state.col + 1 };
  if (state.row === state.lines.length - 1) return state;
  return { ...state, row: state.row + 1, col: 0 };
}

export function lineStart(state: EditorState): EditorState {
  return { ...state, col: 0 };
}

export function lineEnd(state: EditorState): EditorState {
  return { ...state, col: state.lines[state.row].length };
}

/** Up: the line above, or at the first line the previous history entry. */
export function moveUp(state: EditorState): EditorState {
  if (state.row > 0) return { ...state, row: state.row - 1, col: Math.min(state.col, state.lines[state.row - 1].length) };
  if (state.historyIndex === 0) return state;
  const draft = state.historyIndex === state.history.length ? editorText(state) : state.draft;
  const index = state.historyIndex - 1;
  return { ...setText(state, state.history[index]), historyIndex: index, draft };
}

/** Down: the line below, or at the last line the next history entry (then the draft). */
export function moveDown(state: EditorState): EditorState {
  if (state.row < state.lines.length - 1) return { ...state, row: state.row + 1, col: Math.min(state.col, state.lines[state.row + 1].length) };
  if (state.historyIndex >= state.history.length) return state;
  const index = state.historyIndex + 1;
  const text = index === state.history.length ? state.draft : state.history[index];
  return { ...setText(state, text), historyIndex: index };
}

/** After running the buffer: it goes into history (unless it repeats the last entry) and the buffer empties. */
export function submitted(state: EditorState): EditorState {
  const text = editorText(state);
  const history = text.trim() && state.history[state.history.length - 1] !== text ? [...state.history, text] : state.history;
  return emptyEditor(history);
}
