// The colour of each state: one table for the terminal UI, the HTML DAG and the web UI (whose bundle imports it).

import { assertNever, type State } from "./states.js";

/** A colour per state (Cached gets its own, like its glyph); readable on light and dark backgrounds. */
export function stateColor(state: Pick<State, "type" | "name">): string {
  if (state.name === "Cached") return "#0d9488";
  if (state.name === "Late") return "#ca8a04";
  switch (state.type) {
    case "SCHEDULED":
      return "#6b7280";
    case "PENDING":
      return "#9ca3af";
    case "RUNNING":
      return "#2563eb";
    case "COMPLETED":
      return "#16a34a";
    case "FAILED":
      return "#dc2626";
    case "CRASHED":
      return "#991b1b";
    case "CANCELLED":
      return "#6b7280";
    case "CANCELLING":
      return "#d97706";
    case "PAUSED":
      return "#d97706";
    default:
      return assertNever(state.type, "state type");
  }
}
