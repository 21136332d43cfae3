// The help screen (`?`): every key, where it acts and what it does; it takes the whole screen.

import { Box, Text } from "ink";
import { KEY_HELP } from "./keys.js";
import { toneInk } from "./theme.js";

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const whereWidth = Math.max(...KEY_HELP.map(([where]) => where.length));
  const keyWidth = Math.max(...KEY_HELP.map(([, key]) => key.length));
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={toneInk("accent")} width={width} height={height} paddingX={1}>
      <Text bold>keys · any key closes this help</Text>
      {KEY_HELP.slice(0, Math.max(1, height - 3)).map(([where, key, what]) => (
        <Text key={`${where} ${key}`} wrap="truncate-end">
          <Text color={toneInk("muted")}>{where.padEnd(whereWidth)}</Text>
          {`  `}
          <Text bold>{key.padEnd(keyWidth)}</Text>
          {`  ${what}`}
        </Text>
      ))}
    </Box>
  );
}
