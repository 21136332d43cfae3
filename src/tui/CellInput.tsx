// The cell input: a multi-line editor with a prompt, the cursor shown when focused, and the run state beside it.

import { Box, Text } from "ink";
import type { EditorState } from "./editor.js";
import { toneInk } from "./theme.js";

export interface CellInputProps {
  editor: EditorState;
  focused: boolean;
  width: number;
  /** Lines of text shown at most; the window follows the cursor. */
  maxLines: number;
  busy: string | null;
  /** The earlier cell being edited (alt+up/down picked it), or null for a new cell. */
  editing?: number | string | null;
  /** Cells typed while a run goes, waiting for it. */
  queued?: number;
}

/** Rows the input takes for this editor: its lines (up to `maxLines`) plus the border, plus a line when editing or queueing. */
export function cellInputHeight(editor: EditorState, maxLines: number, note = false): number {
  return Math.min(editor.lines.length, maxLines) + 2 + (note ? 1 : 0);
}

/** The line above the editor: which cell is being edited, and how many wait. */
export function inputNote(editing: number | string | null | undefined, queued = 0): string | null {
  const parts: string[] = [];
  if (editing !== null && editing !== undefined) parts.push(`editing cell [${editing}]: enter replaces it · ctrl+u drops the edit`);
  if (queued > 0) parts.push(`${queued} cell${queued === 1 ? "" : "s"} queued`);
  return parts.length > 0 ? parts.join(" · ") : null;
}

export function CellInput({ editor, focused, width, maxLines, busy, editing, queued }: CellInputProps) {
  const note = inputNote(editing, queued);
  const shown = Math.min(editor.lines.length, maxLines);
  const first = Math.min(Math.max(0, editor.row - shown + 1), editor.lines.length - shown);
  const lines = editor.lines.slice(first, first + shown);
  return (
    <Box flexDirection="column" borderStyle={focused ? "double" : "single"} borderColor={toneInk(focused ? "accent" : "muted")} width={width} paddingX={1}>
      {note ? (
        <Text wrap="truncate-end" color={toneInk("warning")}>
          {note}
        </Text>
      ) : null}
      {lines.map((line, i) => {
        const row = first + i;
        const prompt = row === 0 ? (busy ? "◌ " : "› ") : "… ";
        if (!focused || row !== editor.row) {
          return (
            <Text key={row} wrap="truncate-end">
              <Text color={toneInk("muted")}>{prompt}</Text>
              {line}
            </Text>
          );
        }
        return (
          <Text key={row} wrap="truncate-end">
            <Text color={toneInk("accent")}>{prompt}</Text>
            {line.slice(0, editor.col)}
            <Text inverse>{line[editor.col] ?? " "}</Text>
            {line.slice(editor.col + 1)}
          </Text>
        );
      })}
    </Box>
  );
}
