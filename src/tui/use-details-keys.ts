// The task details pane's keys (active only while it has focus): scroll, close back to the DAG, input, help, quit.

import { useInput } from "ink";
import type { Focus } from "./keys.js";

export interface DetailsKeys {
  /**
   * Whether this pane owns the key now: it has focus and no overlay is shown. Read through refs when the key comes,
   * not from the last render: keys arrive faster than React commits a focus change (a paste, tmux send-keys).
   */
  owns: () => boolean;
  scroll: (by: number) => void;
  close: () => void;
  focusOn: (focus: Focus) => void;
  showHelp: () => void;
  requestQuit: () => void;
}

export function useDetailsKeys(k: DetailsKeys): void {
  useInput((input, key) => {
      if (!k.owns()) return;
      if (key.upArrow || input === "k") k.scroll(1);
      else if (key.downArrow || input === "j") k.scroll(-1);
      else if (key.escape) k.close();
      else if (input === "i") k.focusOn("input");
      else if (input === "q") k.requestQuit();
      else if (input === "?") k.showHelp();
  });
}
