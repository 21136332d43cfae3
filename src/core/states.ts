// Run states: a fixed type plus a free name, as Prefect does. Constructors, TERMINAL and helpers live here.

import { redact } from "./redaction.js";

export type StateType =
  | "SCHEDULED"
  | "PENDING"
  | "RUNNING"
  | "COMPLETED"
  | "FAILED"
  | "CANCELLED"
  | "CRASHED"
  | "PAUSED"
  | "CANCELLING";

export type StateName =
  | "Scheduled"
  | "Late"
  | "AwaitingRetry"
  | "Pending"
  | "Running"
  | "Retrying"
  | "Completed"
  | "Cached"
  | "Failed"
  | "TimedOut"
  | "Crashed"
  | "Cancelled"
  | "Cancelling"
  | "Paused";

export interface State {
  type: StateType;
  name: StateName;
  /** Human-readable reason for the transition, "" when there is none. */
  message: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export const STATE_TYPES: readonly StateType[] = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CRASHED",
  "PAUSED",
  "CANCELLING",
];

/** The type each state name belongs to. */
export const NAME_TO_TYPE: Readonly<Record<StateName, StateType>> = {
  Scheduled: "SCHEDULED",
  Late: "SCHEDULED",
  AwaitingRetry: "SCHEDULED",
  Pending: "PENDING",
  Running: "RUNNING",
  Retrying: "RUNNING",
  Completed: "COMPLETED",
  Cached: "COMPLETED",
  Failed: "FAILED",
  TimedOut: "FAILED",
  Crashed: "CRASHED",
  Cancelled: "CANCELLED",
  Cancelling: "CANCELLING",
  Paused: "PAUSED",
};

export const TERMINAL: ReadonlySet<StateType> = new Set<StateType>(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);

export function isTerminal(state: Pick<State, "type">): boolean {
  return TERMINAL.has(state.type);
}

/** FAILED, CRASHED and CANCELLED runs can be rerun from failure. */
export function isRerunnable(state: Pick<State, "type">): boolean {
  return state.type === "FAILED" || state.type === "CRASHED" || state.type === "CANCELLED";
}

/** Every state is built here, so its message never holds a loaded secret (see core/redaction.ts). */
export function makeState(name: StateName, message = "", timestamp = Date.now()): State {
  return { type: NAME_TO_TYPE[name], name, message: redact(message), timestamp };
}

export const Scheduled = (message = "", at = Date.now()): State => makeState("Scheduled", message, at);
export const Late = (message = ""): State => makeState("Late", message);
export const AwaitingRetry = (message = "", at = Date.now()): State => makeState("AwaitingRetry", message, at);
export const Pending = (message = ""): State => makeState("Pending", message);
export const Running = (message = ""): State => makeState("Running", message);
export const Retrying = (message = ""): State => makeState("Retrying", message);
export const Completed = (message = ""): State => makeState("Completed", message);
export const Cached = (message = ""): State => makeState("Cached", message);
export const Failed = (message = ""): State => makeState("Failed", message);
export const TimedOut = (message = ""): State => makeState("TimedOut", message);
export const Crashed = (message = ""): State => makeState("Crashed", message);
export const Cancelled = (message = ""): State => makeState("Cancelled", message);
export const Cancelling = (message = ""): State => makeState("Cancelling", message);
export const Paused = (message = ""): State => makeState("Paused", message);

export function isStateName(value: string): value is StateName {
  return Object.prototype.hasOwnProperty.call(NAME_TO_TYPE, value);
}

export function isStateType(value: string): value is StateType {
  return (STATE_TYPES as readonly string[]).includes(value);
}

export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** A one-word glyph per state type, shared by the CLI, the terminal UI and the kernel's text DAG. */
export function stateGlyph(state: Pick<State, "type" | "name">): string {
  if (state.name === "Cached") return "◆";
  switch (state.type) {
    case "SCHEDULED":
      return "◷";
    case "PENDING":
      return "○";
    case "RUNNING":
      return "▶";
    case "COMPLETED":
      return "✓";
    case "FAILED":
      return "✗";
    case "CANCELLED":
      return "⊘";
    case "CRASHED":
      return "☠";
    case "PAUSED":
      return "‖";
    case "CANCELLING":
      return "⊘";
    default:
      return assertNever(state.type, "state type");
  }
}
