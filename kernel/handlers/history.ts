// history_request: tail, range and search over this session's inputs.

import { History, type HistoryEntry } from "../history.js";
import type { Kernel, Respond } from "../kernel.js";
import type { Message } from "../wire.js";

const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

/** Handles history_request. */
export async function historyRequest(kernel: Kernel, message: Message, respond: Respond): Promise<void> {
  const c = message.content;
  const output = c.output === true;
  let entries: HistoryEntry[];
  switch (c.hist_access_type) {
    case "tail":
      entries = kernel.history.tail(num(c.n) ?? 10);
      break;
    case "range":
      entries = kernel.history.range(num(c.session) ?? 0, num(c.start) ?? 0, num(c.stop));
      break;
    case "search":
      entries = kernel.history.search(typeof c.pattern === "string" ? c.pattern : "*", num(c.n), c.unique === true);
      break;
    default:
      entries = [];
  }
  await respond("history_reply", { status: "ok", history: History.rows(entries, output) });
}
