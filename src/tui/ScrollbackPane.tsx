// The scrollback: cell sources, values, errors, display() output and messages; only the lines that fit are rendered.

import { Box, Text } from "ink";
import type { ScrollbackLine } from "./scrollback-store.js";
import { toneInk } from "./theme.js";

export interface ScrollbackPaneProps {
  lines: ScrollbackLine[];
  width: number;
  height: number;
  /** Lines scrolled up from the newest. */
  scroll: number;
}

export function ScrollbackPane({ lines, width, height, scroll }: ScrollbackPaneProps) {
  const end = Math.max(0, lines.length - Math.min(scroll, Math.max(0, lines.length - height)));
  const window = lines.slice(Math.max(0, end - height), end);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {window.map((line) => (
        <Text key={line.key} wrap="truncate-end" color={toneInk(line.tone)}>
          {line.text || " "}
        </Text>
      ))}
    </Box>
  );
}
