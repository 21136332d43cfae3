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
}

/** Rows the input takes for this editor: its lines (up to `maxLines`) plus the border. */
export function cellInputHeight(editor: EditorState, maxLines: number): number {
  return Math.min(editor.lines.length, maxLines) + 2;
}

export function CellInput({ editor, focused, width, maxLines, busy }: CellInputProps) {
  const shown = Math.min(editor.lines.length, maxLines);
  const first = Math.min(Math.max(0, editor.row - shown + 1), editor.lines.length - shown);
  const lines = editor.lines.slice(first, first + shown);
  return (
    <Box flexDirection="column" borderStyle={focused ? "double" : "single"} borderColor={toneInk(focused ? "accent" : "muted")} width={width} paddingX={1}>
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
