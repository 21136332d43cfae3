// The bottom line: a quit confirmation, the latest message, or what the focused pane's keys do.

import { Text } from "ink";
import type { StatusMessage } from "./controller.js";
import type { Focus } from "./keys.js";
import { toneInk } from "./theme.js";
import { escapeTerminal } from "../core/terminal-text.js";

const HINTS: Record<Focus, string> = {
  input: "enter run · shift+enter newline · ctrl+r run all · ctrl+s save · esc DAG · ? help",
  dag: "↑↓ select · enter details · r rerun · c cancel · / filter · R run all · i input · q quit · ? help",
  details: "↑↓ scroll · esc DAG · tab next pane · q quit",
};

export interface StatusBarProps {
  focus: Focus;
  message: StatusMessage | null;
  confirmQuit: boolean;
  busy: string | null;
  width: number;
}

export function StatusBar({ focus, message, confirmQuit, busy, width }: StatusBarProps) {
  if (confirmQuit) {
    return (
      <Text wrap="truncate-end" color={toneInk("warning")} bold>
        A run is going: cancel it and quit? (y/n)
      </Text>
    );
  }
  const prefix = busy ? `running (${busy}) · ` : "";
  const text = message ? `${prefix}${escapeTerminal(message.text, { inline: true })}` : `${prefix}${HINTS[focus]}`;
  return (
    <Text wrap="truncate-end" color={toneInk(message?.tone ?? "muted")}>
      {text.length > width ? text.slice(0, Math.max(0, width - 1)) + "…" : text}
    </Text>
  );
}
