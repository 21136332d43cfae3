// Colours of the terminal UI: the DAG's state colours, and none at all when NO_COLOR is set (https://no-color.org).

import { stateColor } from "../display/dag.js";
import type { State } from "../core/states.js";

/** True when the user asked for no colour: NO_COLOR set to anything but the empty string. */
export function colorDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== "";
}

/** A colour for Ink's `color` prop, or undefined when colours are off. */
export function paint(color: string): string | undefined {
  return colorDisabled() ? undefined : color;
}

/** The colour of a state, as the HTML DAG uses it. */
export function stateInk(state: Pick<State, "type" | "name">): string | undefined {
  return paint(stateColor(state));
}

export const TONES = {
  info: "#9ca3af",
  error: "#dc2626",
  warning: "#d97706",
  ok: "#16a34a",
  accent: "#2563eb",
  muted: "#6b7280",
} as const;

export type Tone = keyof typeof TONES;

export function toneInk(tone: Tone | undefined): string | undefined {
  return tone ? paint(TONES[tone]) : undefined;
}

/** Frames of the spinner shown on running tasks. */
export const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
